/**
 * bankgraph's gateway (createGateway, every plugin on) serving the public gateway benchmark's supergraph, for
 * bench/gateways-benchmark/index.ts. What the workload differs in from bankgraph's own graph, and how it is met:
 *  - authentication stays on: the load generator sends a sandbox customer token (bankgraph has no anonymous mode);
 *  - persisted operations: TestQuery is in no manifest, so it is sent as a document (first-party callers may);
 *  - rate limits stay on, with a customer bucket one load generator does not empty (RATE_LIMIT_CUSTOMER);
 *  - operation limits stay on, at their defaults unless OPERATION_MAX_* say otherwise;
 *  - audit and error masking stay on (nothing in this schema is a customer's data, so nothing is audited);
 *
 * `SUPERGRAPH=<file> PORT=<port> tsx bench/gateways-benchmark/bankgraph-gateway.ts`
 */
import { createGateway } from '../../gateway/server.js';
import { createLogger } from '../../lib/log.js';

const logger = createLogger('gateway');
const running = await createGateway({
  supergraphPath: process.env.SUPERGRAPH ?? '',
  port: Number(process.env.PORT ?? 0),
  host: '127.0.0.1',
  logger,
  graphiql: { enabled: false },
});
process.stdout.write(`bankgraph gateway listening on ${running.url}\n`);
process.on('SIGTERM', () => void running.stop().then(() => process.exit(0)));
