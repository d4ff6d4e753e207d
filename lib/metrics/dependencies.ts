import { Gauge, type Registry } from 'prom-client';

/**
 * What a process reports of its dependencies (the gateway: each subgraph and Redis; the journeys subgraph: Redis):
 * `ok` when every one answers, `reason` naming the others, `up` per dependency. It is reported, never cascaded: a
 * process's /ready says whether it can serve, so one failing dependency does not take every replica out of the load
 * balancer at once (the requests that need it fail with their own codes).
 */
export interface DependencyReport {
  readonly ok: boolean;
  readonly reason?: string;
  /** Per dependency: true up, false down (the `dependency` label of bankgraph_dependency_up). */
  readonly up: Readonly<Record<string, boolean>>;
  readonly [detail: string]: unknown;
}

/**
 * `bankgraph_dependency_up{dependency}`: 1 while a dependency answers, 0 while it does not, probed when /metrics is
 * scraped (so a dashboard and an alert see it without anyone asking for /ready?verbose).
 */
export function registerDependencyGauge(registry: Registry, probe: () => Promise<DependencyReport>): Gauge {
  return new Gauge({
    name: 'bankgraph_dependency_up',
    help: 'Whether a dependency of this process answers (1) or not (0), probed at each scrape.',
    labelNames: ['dependency'],
    registers: [registry],
    async collect() {
      const report = await probe();
      this.reset();
      for (const [dependency, up] of Object.entries(report.up)) this.set({ dependency }, up ? 1 : 0);
    },
  });
}
