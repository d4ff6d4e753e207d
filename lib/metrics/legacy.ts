import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BoundedLabels, OTHER } from './labels.js';
import { shareWithProcess } from './process.js';

/**
 * Calls to the legacy systems, by system, route and outcome, and the state of each system's circuit breaker.
 *
 * Process-wide, like the listeners that feed it (connectors/http.ts `onLegacyCall`: every LegacyHttpClient of the
 * process reports to one set). connectors/factory.ts subscribes it and registers each client it builds for the
 * breaker gauge. The labels are the system's name and the connector's route template ("GET /clients/:clientId"):
 * never a path with an id in it, never a body.
 */

/** What a legacy call listener is told (connectors/http.ts LegacyCallEvent, structurally). */
export interface LegacyCallObservation {
  readonly system: string;
  readonly route: string;
  readonly attempt: number;
  readonly durationMs: number;
  readonly outcome: string;
}

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';
const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'isolated'];

/** A client whose breaker the gauge reads (connectors/http.ts LegacyHttpClient, structurally). */
export interface BreakerSource {
  readonly system: string;
  readonly breakerState: BreakerState;
}

/** Route templates per system beyond which routes are counted as "(other)": connectors have a few dozen at most. */
const MAX_ROUTES = 200;

export class LegacyMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<'system' | 'route' | 'outcome'>;
  private readonly errors: Counter<'system' | 'route' | 'outcome'>;
  private readonly retries: Counter<'system' | 'route'>;
  /** Held weakly: a client that was closed and dropped leaves the gauge once it is collected. */
  private readonly clients = new Set<WeakRef<BreakerSource>>();
  private readonly routes = new BoundedLabels([], MAX_ROUTES);
  private unsubscribe: (() => void) | undefined;

  constructor() {
    const registers = [this.registry];
    this.duration = new Histogram({
      name: 'bankgraph_legacy_call_duration_seconds',
      help: 'Duration of each attempt of a call to a legacy system, by system, route template and outcome (ok, error, timeout, unavailable, breaker-open).',
      labelNames: ['system', 'route', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    });
    this.errors = new Counter({
      name: 'bankgraph_legacy_call_errors_total',
      help: 'Failed attempts of calls to a legacy system, by system, route template and outcome.',
      labelNames: ['system', 'route', 'outcome'] as const,
      registers,
    });
    this.retries = new Counter({
      name: 'bankgraph_legacy_call_retries_total',
      help: 'Attempts beyond the first of calls to a legacy system (only calls safe to repeat are retried).',
      labelNames: ['system', 'route'] as const,
      registers,
    });
    const clients = this.clients;
    new Gauge({
      name: 'bankgraph_legacy_breaker_state',
      help: 'Circuit breakers of the legacy clients of this process, by system and state: how many are in each state (1 client per system, 1 per rail for payment-rail). Alert on state="open" > 0.',
      labelNames: ['system', 'state'] as const,
      registers,
      collect() {
        this.reset();
        const bySystem = new Map<string, Record<BreakerState, number>>();
        for (const ref of clients) {
          const client = ref.deref();
          if (!client) {
            clients.delete(ref);
            continue;
          }
          const counts = bySystem.get(client.system) ?? { closed: 0, open: 0, 'half-open': 0, isolated: 0 };
          counts[client.breakerState]++;
          bySystem.set(client.system, counts);
        }
        for (const [system, counts] of bySystem) for (const state of BREAKER_STATES) this.set({ system, state }, counts[state]);
      },
    });
    shareWithProcess(this.registry);
  }

  /** Subscribes to the process's legacy calls (once: later calls are no-ops). */
  listen(subscribe: (listener: (event: LegacyCallObservation) => void) => () => void): void {
    this.unsubscribe ??= subscribe((event) => this.observe(event));
  }

  observe(event: LegacyCallObservation): void {
    // Bounded per (system, route): route templates are fixed in the connectors, the bound only guards against a
    // connector that would one day put an id in its route.
    const route = this.routes.of(`${event.system} ${event.route}`) === OTHER ? OTHER : event.route;
    const labels = { system: event.system, route, outcome: event.outcome };
    this.duration.observe(labels, event.durationMs / 1000);
    if (event.outcome !== 'ok') this.errors.inc(labels);
    if (event.attempt > 1) this.retries.inc({ system: labels.system, route: labels.route });
  }

  /** Shows this client's breaker in bankgraph_legacy_breaker_state. */
  track(client: BreakerSource): void {
    this.clients.add(new WeakRef(client));
  }
}

let instance: LegacyMetrics | undefined;

/** The process's legacy-call metrics, created (and shared with every /metrics of the process) on first use. */
export function legacyMetrics(): LegacyMetrics {
  return (instance ??= new LegacyMetrics());
}
