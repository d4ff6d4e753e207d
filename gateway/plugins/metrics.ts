import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { Kind, parse } from 'graphql';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ErrorCode } from '../../lib/errors.js';
import { BoundedLabels, outcomeOf, processRegistries, REQUEST_LATENCY_BUCKETS } from '../../lib/metrics/index.js';
import type { Principal } from '../../lib/principal.js';
import type { GatewayContext, RequestRecord } from '../context.js';
import { DEFAULT_OPERATIONS_DIR } from './graphiql.js';
import { isTimeout, type Fetcher } from '../fetcher.js';

/**
 * The gateway's own metrics (GET /metrics, gateway/http.ts): requests by operation and outcome and their latency,
 * subgraph fetches by subgraph and outcome, rate-limit refusals and errors by code. One instance per gateway (its own
 * registry), so two gateways in one process register nothing twice.
 *
 * The operation label is bounded (lib/metrics/labels.ts): names of the bank's own operations (persisted manifests,
 * committed documents) are labels as they are; other names only once the operation validated, and only the first
 * `maxOperationLabels` of them; the rest, and requests whose operation was never resolved (refused, unparsable,
 * invalid), share fixed labels. A caller sending random operation names adds at most `maxOperationLabels` series,
 * ever, and never takes the label of a known operation.
 */

export const NO_OPERATION = '(none)';
export const ANONYMOUS = '(anonymous)';

export interface GatewayMetricsOptions {
  /** Operation names labelled as themselves (the bank's own, see operationNamesIn). */
  readonly knownOperations: Iterable<string>;
  /** Other operation names labelled as themselves, first come; the rest are "(other)". */
  readonly maxOperationLabels: number;
}

/** What the Apollo plugin learnt about a request, read when its response is finished. */
interface RequestFacts {
  operation?: string | null;
  hasData: boolean;
}

const OPEN_BANKING_RESOURCES = ['account-access-consents', 'domestic-payment-consents'] as const;

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly duration: Histogram<'operation'>;
  private readonly fetches: Histogram<'subgraph' | 'outcome'>;
  private readonly rateLimits: Counter<'limit' | 'principal'>;
  private readonly errors: Counter<'code'>;
  private readonly collapsed: Counter<'subgraph'>;
  private readonly openBanking: Counter<'resource' | 'method' | 'status'>;
  private readonly subscriptions: Gauge;
  private readonly operations: BoundedLabels;
  private readonly codes = new BoundedLabels([...Object.values(ErrorCode), ...Object.values(ApolloServerErrorCode)], 0);
  private readonly facts = new WeakMap<RequestRecord, RequestFacts>();

  constructor(options: GatewayMetricsOptions) {
    processRegistries();
    this.operations = new BoundedLabels(options.knownOperations, options.maxOperationLabels);
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'bankgraph_gateway_requests_total',
      help: 'GraphQL requests to the gateway, by operation and outcome (ok, partial, error, rejected).',
      labelNames: ['operation', 'outcome'] as const,
      registers,
    });
    this.openBanking = new Counter({
      name: 'bankgraph_gateway_open_banking_requests_total',
      help: 'Requests under /open-banking/ (the consent routes), by resource, method and HTTP status.',
      labelNames: ['resource', 'method', 'status'] as const,
      registers,
    });
    this.duration = new Histogram({
      name: 'bankgraph_gateway_request_duration_seconds',
      help: 'Time from a GraphQL request reaching the gateway to its response being sent, by operation.',
      labelNames: ['operation'] as const,
      buckets: REQUEST_LATENCY_BUCKETS,
      registers,
    });
    this.fetches = new Histogram({
      name: 'bankgraph_gateway_subgraph_fetch_duration_seconds',
      help: 'Subgraph fetches of the gateway until the response headers (a subgraph sends its body in one piece), by subgraph and outcome (ok, http_error, timeout, unavailable).',
      labelNames: ['subgraph', 'outcome'] as const,
      buckets: REQUEST_LATENCY_BUCKETS,
      registers,
    });
    this.collapsed = new Counter({
      name: 'bankgraph_gateway_subgraph_fetches_collapsed_total',
      help: 'Subgraph query fetches that joined an identical one of the same principal already in flight instead of asking the subgraph again (gateway/datasource.ts), by subgraph.',
      labelNames: ['subgraph'] as const,
      registers,
    });
    this.rateLimits = new Counter({
      name: 'bankgraph_gateway_rate_limited_total',
      help: 'Requests refused by a rate limit, by the bucket that refused (principal: all of a caller\'s requests; operation: a root field\'s) and the kind of caller.',
      labelNames: ['limit', 'principal'] as const,
      registers,
    });
    this.errors = new Counter({
      name: 'bankgraph_gateway_errors_total',
      help: 'Errors in gateway responses, by extensions.code as the client saw it.',
      labelNames: ['code'] as const,
      registers,
    });
    this.subscriptions = new Gauge({
      name: 'bankgraph_gateway_subscriptions_active',
      help: 'Journey subscriptions this gateway is serving now (/graphql/stream, gateway/subscriptions/).',
      registers,
    });
  }

  /** A subscription began following its journeys (gateway/subscriptions/route.ts). */
  subscriptionStarted(): void {
    this.subscriptions.inc();
  }

  /** A subscription ended, however (the client hung up, a refusal, the gateway stopping). */
  subscriptionEnded(): void {
    this.subscriptions.dec();
  }

  /** Learns each request's operation (once resolved) and whether its response carries data. */
  plugin(): ApolloServerPlugin<GatewayContext> {
    const facts = this.facts;
    return {
      async requestDidStart({ contextValue }) {
        const known: RequestFacts = { hasData: false };
        facts.set(contextValue.record, known);
        return {
          async didResolveOperation({ operationName }) {
            known.operation = operationName;
          },
          async willSendResponse({ response }) {
            known.hasData = response.body.kind !== 'single' || (response.body.singleResult.data ?? null) !== null;
          },
        };
      },
    };
  }

  /** Counts a /graphql request once its response is finished (those refused before Apollo too). */
  requestFinished(record: RequestRecord, status: number): void {
    const facts = this.facts.get(record);
    const operation = this.operationLabel(facts?.operation);
    this.requests.inc({ operation, outcome: outcomeOf(status, record.errorCodes.length, facts?.hasData ?? false) });
    this.duration.observe({ operation }, Number(process.hrtime.bigint() - record.startedAt) / 1e9);
    for (const code of record.errorCodes) this.errors.inc({ code: this.codes.of(code) });
  }

  /** A subgraph fetch answered by one already in flight. */
  fetchCollapsed(subgraph: string): void {
    this.collapsed.inc({ subgraph });
  }

  /** Counts a refusal of the rate limiter (gateway/plugins/rate-limit.ts). */
  /** One finished /open-banking/ request; the resource from a fixed list, so ids never become labels. */
  openBankingFinished(method: string | undefined, path: string, status: number): void {
    const resource = OPEN_BANKING_RESOURCES.find((r) => path.includes(`/${r}`)) ?? 'other';
    const verb = ['GET', 'POST', 'DELETE'].includes(method ?? '') ? (method as string) : 'other';
    this.openBanking.inc({ resource, method: verb, status: String(status) });
  }

  rateLimited(limit: 'principal' | 'operation', principal: Principal['kind']): void {
    this.rateLimits.inc({ limit, principal });
  }

  /** The fetcher of one subgraph, timed. */
  subgraphFetcher(subgraph: string, fetcher: Fetcher): Fetcher {
    const fetches = this.fetches;
    return async (url, init) => {
      const end = fetches.startTimer({ subgraph });
      try {
        const response = await fetcher(url, init);
        end({ outcome: response.ok ? 'ok' : 'http_error' });
        return response;
      } catch (err) {
        end({ outcome: isTimeout(err) ? 'timeout' : 'unavailable' });
        throw err;
      }
    };
  }

  private operationLabel(operation: string | null | undefined): string {
    if (operation === undefined) return NO_OPERATION;
    if (operation === null) return ANONYMOUS;
    return this.operations.of(operation);
  }
}

/**
 * The names of the operations the bank knows, labelled as themselves: those of the given documents (the persisted
 * manifests the gateway has loaded) and of the committed `.graphql` documents in `dir` and below (the typed
 * documents, `npm run codegen`: the Dashboard is in no manifest). A missing directory or an unreadable document is
 * skipped (the manifest build and codegen refuse those; this must not stop a gateway from starting).
 */
export function operationNamesIn(documents: Iterable<string>, dir: string = DEFAULT_OPERATIONS_DIR): Set<string> {
  const names = new Set<string>();
  const add = (document: string) => {
    try {
      for (const d of parse(document).definitions) if (d.kind === Kind.OPERATION_DEFINITION && d.name) names.add(d.name.value);
    } catch {
      // skipped, see above
    }
  };
  const visit = (folder: string) => {
    if (!existsSync(folder)) return;
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.graphql')) add(readFileSync(path, 'utf8'));
    }
  };
  for (const document of documents) add(document);
  visit(dir);
  return names;
}
