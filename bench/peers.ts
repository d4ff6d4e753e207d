/**
 * Throughput against peers (issue 7 item 3): the Dashboard query through bankgraph's gateway, stock @apollo/gateway
 * and Hive Gateway, on the same supergraph (schema/supergraph.graphql) and the same subgraphs, with instant legacy
 * systems (no simulated latency). See bench/throughput.ts for pinning, durations and what counts as a success.
 *
 * bankgraph runs as `npm start` runs it (gateway/index.ts) with every plugin on: token authentication, the persisted
 * Dashboard (sent by id, as the bank's app does; BENCH_PERSISTED=0 sends the document), operation limits, rate
 * limits (a customer bucket one load generator does not empty), audit (memory sink) and error masking. It signs a
 * fresh internal context per request.
 *
 * The peers have no authentication of their own; the subgraphs refuse any request without a signed internal context
 * (lib/context.ts), so the load generator sends one, signed here for cust-0001 with the sandbox key, for every
 * subgraph (a peer sends the same header to each) and with a lifetime covering the run, and each peer forwards that header to every subgraph fetch (the minimum to talk to these
 * subgraphs at all: bench/peers/apollo-gateway.ts, bench/peers/hive-gateway.config.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subgraphsOf } from '../gateway/supergraph.js';
import { SUBGRAPHS, authConfig } from '../lib/config.js';
import { CONTEXT_HEADER, ContextSigner } from '../lib/context.js';
import { mintSandboxToken } from '../lib/tokens.js';
import { hiveArgs } from './gateways-benchmark/index.js';
import { BENCH_PORTS, legacyCalls, ROOT, setLatency, startBenchServices } from './system.js';
import { compareGateways, LOAD_CPU, pinningNote, throughputSettings, throughputTable, type ContenderResult } from './throughput.js';
import { UNCOLLAPSED } from './table.js';

const PORTS = { bankgraph: 14300, apollo: 14301, hive: 14302 } as const;
const CUSTOMER = 'cust-0001';

export interface PeersResult {
  readonly results: readonly ContenderResult[];
  readonly persisted: boolean;
  readonly markdown: string;
}

export async function runPeersBench(): Promise<PeersResult> {
  const settings = throughputSettings();
  const persisted = process.env.BENCH_PERSISTED !== '0';
  const dashboard = readFileSync(join(ROOT, 'schema/operations/Dashboard.graphql'), 'utf8');
  const dashboardId = createHash('sha256').update(dashboard).digest('hex');
  const manifest = JSON.parse(readFileSync(join(ROOT, 'schema/persisted/first-party.json'), 'utf8')) as Record<string, string>;
  if (persisted && manifest[dashboardId] !== dashboard) {
    throw new Error('the Dashboard in schema/operations is not the persisted one (run `npm run persisted`), or set BENCH_PERSISTED=0');
  }
  const variables = { currency: 'EUR' };
  const documentBody = JSON.stringify({ query: dashboard, operationName: 'Dashboard', variables });
  const bankgraphBody = persisted
    ? JSON.stringify({ operationName: 'Dashboard', variables, extensions: { persistedQuery: { version: 1, sha256Hash: dashboardId } } })
    : documentBody;

  const auth = authConfig();
  // Four gateway runs, each warm-up + run, plus start-up: the context must outlive all of it (the verifier takes the
  // signer's own exp; nothing about the subgraphs is changed for the benchmark).
  const lifetime = 4 * (settings.warmupSeconds + settings.durationSeconds + 120) + 600;
  const context = await new ContextSigner(auth.internalContextKey).sign(
    { principal: { kind: 'customer', customerId: CUSTOMER }, requestId: 'bench-peers' },
    { audience: SUBGRAPHS, expiresAtMs: Date.now() + lifetime * 1000 },
  );
  const token = await mintSandboxToken({ customer: CUSTOMER }, { expiresIn: `${lifetime}s` });

  const services = await startBenchServices({ KYC_PROVIDER_RATE_PER_SECOND: '1000000', RISK_SCORING_RATE_PER_SECOND: '1000000' }, LOAD_CPU);
  const dir = mkdtempSync(join(tmpdir(), 'bankgraph-bench-peers-'));
  try {
    await setLatency(services.simulatorUrls, 0);
    // The same supergraph, its subgraph URLs pointed at the benchmark's ports (bankgraph does this with *_PORT).
    let supergraph = readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8');
    for (const { name, url } of subgraphsOf(supergraph)) {
      const target = services.subgraphUrls[name];
      if (!target) throw new Error(`no benchmark subgraph for "${name}" of the supergraph`);
      supergraph = supergraph.replace(`url: "${url}"`, `url: "${target}"`);
    }
    const supergraphPath = join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, supergraph);
    const forward = { FORWARD_HEADERS: CONTEXT_HEADER };

    const results = await compareGateways(
      [
        {
          name: 'bankgraph',
          label: `bankgraph (all plugins${persisted ? ', persisted Dashboard' : ', Dashboard document'})`,
          args: ['--import', 'tsx', 'gateway/index.ts'],
          env: {
            ...BENCH_PORTS,
            PORT: String(PORTS.bankgraph),
            RATE_LIMIT_CUSTOMER: '1000000000/1000000000',
          },
          url: `http://127.0.0.1:${PORTS.bankgraph}/graphql`,
          headers: { authorization: `Bearer ${token}` },
          body: bankgraphBody,
        },
        {
          name: UNCOLLAPSED,
          label: 'bankgraph, request collapsing off (GATEWAY_COLLAPSE_QUERIES=false), otherwise the same',
          args: ['--import', 'tsx', 'gateway/index.ts'],
          env: {
            ...BENCH_PORTS,
            PORT: String(PORTS.bankgraph),
            RATE_LIMIT_CUSTOMER: '1000000000/1000000000',
            GATEWAY_COLLAPSE_QUERIES: 'false',
          },
          url: `http://127.0.0.1:${PORTS.bankgraph}/graphql`,
          headers: { authorization: `Bearer ${token}` },
          body: bankgraphBody,
        },
        {
          name: 'apollo',
          label: 'stock @apollo/gateway (ApolloServer standalone, no plugins, forwards the context header)',
          args: ['--import', 'tsx', 'bench/peers/apollo-gateway.ts'],
          env: { SUPERGRAPH: supergraphPath, PORT: String(PORTS.apollo), ...forward },
          url: `http://127.0.0.1:${PORTS.apollo}/graphql`,
          headers: { [CONTEXT_HEADER]: context },
          body: documentBody,
        },
        {
          name: 'hive',
          label: 'Hive Gateway (@graphql-hive/gateway CLI, defaults, propagates the context header)',
          args: hiveArgs(supergraphPath, PORTS.hive),
          env: forward,
          url: `http://127.0.0.1:${PORTS.hive}/graphql`,
          headers: { [CONTEXT_HEADER]: context },
          body: documentBody,
        },
      ],
      {
        check: checkDashboard,
        tag: 'peers',
        counter: async () => Object.values(await legacyCalls(services.simulatorUrls)).reduce((a, b) => a + b, 0),
      },
    );
    const markdown = [
      `### Throughput against peers (Dashboard of ${CUSTOMER}, instant legacy systems, ${settings.connections} connections, ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured)`,
      '',
      `${pinningNote()}; the simulators run on CPU ${LOAD_CPU} too. Success = HTTP 200, no errors, the whole dashboard (the same data from every gateway).`,
      '',
      throughputTable(results),
      '',
      `Legacy calls per dashboard, one at a time / under load: ${results
        .map((r) => `${r.name} ${r.countPerRequest ?? '?'} / ${r.countPerRequestUnderLoad?.toFixed(2) ?? '?'}`)
        .join(', ')} (under load, fewer than one at a time means concurrent identical requests were served together).`,
    ].join('\n');
    return { results, persisted, markdown };
  } finally {
    await services.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every part of the dashboard present (a failing legacy system would null its part, with an error). */
function checkDashboard(json: unknown): string | undefined {
  const me = (json as { data?: { me?: Record<string, unknown> | null } }).data?.me;
  if (!me) return 'no data.me';
  for (const part of ['profile', 'accounts', 'cards', 'kyc', 'wallet']) {
    if (me[part] === null || me[part] === undefined) return `data.me.${part} is missing`;
  }
  if (!Array.isArray(me.accounts) || me.accounts.length === 0) return 'no accounts';
  return undefined;
}
