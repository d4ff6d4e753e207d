import type { ApolloServerPlugin, BaseContext, GraphQLResponse } from '@apollo/server';
import { Counter, Histogram, Registry } from 'prom-client';
import { outcomeOf, type RequestOutcome } from './outcome.js';
import { processRegistries, REQUEST_LATENCY_BUCKETS } from './process.js';

/**
 * One subgraph server's own metrics (lib/subgraph-server.ts creates one per server, so a process running several
 * subgraphs registers nothing twice): the GraphQL requests it answered, by outcome, and how long they took. No
 * operation label: the gateway names subgraph operations after the client's operation, which the client chooses.
 */
export class SubgraphMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'subgraph' | 'outcome'>;
  private readonly duration: Histogram<'subgraph'>;

  constructor(readonly subgraph: string) {
    processRegistries();
    this.requests = new Counter({
      name: 'bankgraph_subgraph_requests_total',
      help: 'GraphQL requests a subgraph answered, by outcome (ok, partial, error, rejected: no valid signed context, bad body or document).',
      labelNames: ['subgraph', 'outcome'] as const,
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'bankgraph_subgraph_request_duration_seconds',
      help: 'Time a subgraph took to answer a GraphQL request, from the request reaching Apollo to the response.',
      labelNames: ['subgraph'] as const,
      buckets: REQUEST_LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  /** Counts the requests Apollo runs and times them. */
  plugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
    const { requests, duration, subgraph } = this;
    return {
      async requestDidStart() {
        const end = duration.startTimer({ subgraph });
        return {
          async willSendResponse({ response }) {
            end();
            requests.inc({ subgraph, outcome: outcomeOfResponse(response) });
          },
        };
      },
    };
  }

  /** A request refused before Apollo saw it (no valid signed context, a body too large or not JSON). */
  rejected(): void {
    this.requests.inc({ subgraph: this.subgraph, outcome: 'rejected' });
  }
}

/** The outcome of an Apollo response (an incremental one counts as it started: with data). */
export function outcomeOfResponse(response: GraphQLResponse): RequestOutcome {
  const status = response.http.status ?? 200;
  if (response.body.kind !== 'single') return outcomeOf(status, 0, true);
  const { errors, data } = response.body.singleResult;
  return outcomeOf(status, errors?.length ?? 0, data !== undefined && data !== null);
}
