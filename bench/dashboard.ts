/**
 * Dashboard latency against the legacy critical path (issue 2's benchmark).
 *
 * With every simulator answering after `LATENCY_MS`, the dashboard's longest chain of dependent legacy calls is two
 * calls long: core banking's account list, then one Fineract batch of those accounts read with their transactions
 * (profile, cards, KYC and wallet are asked in parallel with it; reference rates are cached). So the critical path is
 * 2 x LATENCY_MS.
 *
 * Two baselines in the same process tree: that critical path, and the same legacy calls made directly through the
 * connectors (what a hand-written backend-for-frontend would do at best).
 *
 * Then the CPU a dashboard costs each process (gateway, each subgraph, the simulators): BENCH_DASHBOARD_CPU_REQUESTS
 * (400) dashboards of cust-0001 one at a time, with instant legacy systems (so no request collapsing and no timers in
 * the way), and the CPU time each process used meanwhile (/proc, bench/cpu.ts) divided by their number.
 */
import { Pool } from 'undici';
import {
  createCardProcessorConnector,
  createCoreBankingConnector,
  createFxWalletConnector,
  createKycProviderConnector,
} from '../connectors/factory.js';
import { mintSandboxToken } from '../lib/tokens.js';
import { SANDBOX_APPLICANTS } from '../connectors/kyc-provider/sandbox.js';
import { canReadCpu, cpuPerTask } from './cpu.js';
import { fmt, measure, type LatencySummary } from './stats.js';
import { legacyCalls, resetCalls, setLatency, startBenchSystem } from './system.js';
import { readFileSync } from 'node:fs';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const CRITICAL_CHAIN = 2;
const DASHBOARD = readFileSync(new URL('../schema/operations/Dashboard.graphql', import.meta.url), 'utf8');

export interface DashboardBench {
  readonly latencyMs: number;
  /** The critical path, ms. */
  readonly criticalMs: number;
  /** By concurrency (1, 32): bankgraph and the direct legacy calls. */
  readonly latency: Record<number, { gw: LatencySummary; direct: LatencySummary }>;
  /** Legacy calls per dashboard by number of accounts (1, 10, 50, 100). */
  readonly callsPerDashboard: Record<number, number>;
  /** CPU ms per dashboard by process (gateway, subgraph-<name>, each simulator); empty where /proc cannot be read. */
  readonly cpuMsPerDashboard: Record<string, number>;
  readonly markdown: string;
}

export async function runDashboardBench(): Promise<DashboardBench> {
  // The KYC and risk-scoring sandboxes limit callers to 200 requests/s (and answer 429 beyond): raised here, since
  // this benchmark measures bankgraph's own overhead, not the systems' quotas.
  // The rate limiter stays in the path, with a ceiling one customer's load generator does not reach.
  const system = await startBenchSystem({ KYC_PROVIDER_RATE_PER_SECOND: '100000', RISK_SCORING_RATE_PER_SECOND: '100000', RATE_LIMIT_CUSTOMER: '1000000/1000000' });
  try {
    await setLatency(system.simulatorUrls, LATENCY_MS);
    const gateway = new URL(system.gatewayUrl);
    const pool = new Pool(gateway.origin, { connections: 64 });
    const tokens = new Map<string, string>();
    const tokenFor = async (customer: string) => {
      if (!tokens.has(customer)) tokens.set(customer, await mintSandboxToken({ customer }));
      return tokens.get(customer) as string;
    };
    const dashboard = async (customer = 'cust-0001'): Promise<boolean> => {
      const res = await pool.request({
        method: 'POST',
        path: gateway.pathname,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(customer)}` },
        body: JSON.stringify({ query: DASHBOARD, operationName: 'Dashboard', variables: { currency: 'EUR' } }),
      });
      const body = (await res.body.json()) as { errors?: unknown[]; data?: { me?: { accounts?: unknown[] } } };
      return res.statusCode === 200 && !body.errors && Array.isArray(body.data?.me?.accounts);
    };

    const env = { NODE_ENV: 'bench' };
    const url = system.simulatorUrls;
    const core = createCoreBankingConnector(env, { baseUrl: url['core-banking'] });
    const cards = createCardProcessorConnector(env, { baseUrl: url['card-processor'] });
    const kyc = createKycProviderConnector(env, { baseUrl: url['kyc-provider'] });
    const fx = createFxWalletConnector(env, { baseUrl: url['fx-wallet'] });
    const direct = async (customer = 'cust-0001'): Promise<boolean> => {
      const ids = [customer];
      // allSettled: a failed call must not leave its siblings running into the next measurement.
      const results = await Promise.allSettled([
        core.getCustomers(ids),
        core.getAccountsWithHistoryOfCustomers(ids),
        cards.getCardsOfCustomers(ids),
        // The applicant id is bankgraph's own mapping (the journeys' store); the sandbox's is known.
        kyc.getProfiles(ids.map((customerId) => ({ customerId, applicantId: SANDBOX_APPLICANTS.get(customerId) ?? null }))),
        fx.getWallets(ids),
        fx.getRates(),
      ]);
      return results.every((r) => r.status === 'fulfilled');
    };

    // Warm up: connections, JIT, the rates cache.
    await measure(() => dashboard(), 4, 40);
    await measure(() => direct(), 4, 40);

    const rows: string[] = [];
    const critical = CRITICAL_CHAIN * LATENCY_MS;
    const results: Record<string, { gw: LatencySummary; direct: LatencySummary }> = {};
    for (const [concurrency, total] of [
      [1, Number(process.env.BENCH_DASHBOARD_C1_REQUESTS ?? 150)],
      [32, Number(process.env.BENCH_DASHBOARD_C32_REQUESTS ?? 1500)],
    ] as const) {
      const gw = await measure(() => dashboard(), concurrency, total);
      const dr = await measure(() => direct(), concurrency, total);
      results[concurrency] = { gw, direct: dr };
      rows.push(
        `| ${concurrency} | ${fmt(critical)} | ${fmt(dr.p50)} / ${fmt(dr.p99)} | ${fmt(gw.p50)} / ${fmt(gw.p99)} | ` +
          `+${fmt(gw.p50 - critical)} / +${fmt(gw.p99 - critical)} | ${(gw.p50 / dr.p50).toFixed(2)}x | ${gw.errors} / ${dr.errors} |`,
      );
    }

    // Legacy calls per dashboard, and whether they grow with the number of accounts (1, 10, 50, 100).
    const callRows: string[] = [];
    const callsPerDashboard: Record<number, number> = {};
    for (const [customer, accounts] of [
      ['cust-0002', 1],
      ['cust-0004', 10],
      ['cust-0003', 50],
      ['cust-0005', 100],
    ] as const) {
      await dashboard(customer); // rates cache warm, token minted
      await resetCalls(url);
      const n = 10;
      for (let i = 0; i < n; i++) if (!(await dashboard(customer))) throw new Error(`dashboard for ${customer} failed`);
      const calls = await legacyCalls(url);
      const per = Object.values(calls).reduce((a, b) => a + b, 0) / n;
      const detail = Object.entries(calls)
        .map(([s, c]) => `${s} ${c / n}`)
        .join(', ');
      callsPerDashboard[accounts] = per;
      callRows.push(`| ${customer} | ${accounts} | ${per} | ${detail} |`);
    }

    // CPU per dashboard, per process.
    const cpuMsPerDashboard: Record<string, number> = {};
    const cpuLines: string[] = [];
    const cpuCount = Number(process.env.BENCH_DASHBOARD_CPU_REQUESTS ?? 400);
    if (canReadCpu()) {
      await setLatency(url, 0);
      await measure(() => dashboard(), 1, 40); // warm again, without latency
      let failed = 0;
      const used = await cpuPerTask(system.processes, cpuCount, async () => {
        failed = (await measure(() => dashboard(), 1, cpuCount)).errors;
      });
      if (failed > 0) throw new Error(`${failed} of ${cpuCount} dashboards failed while measuring CPU`);
      for (const [name, ms] of used) cpuMsPerDashboard[name] = ms;
      const sum = (pick: (name: string) => boolean) => [...used].filter(([n]) => pick(n)).reduce((a, [, ms]) => a + ms, 0);
      const ours = (n: string) => n === 'gateway' || n.startsWith('subgraph-');
      cpuLines.push(
        `### CPU per dashboard (${cpuCount} dashboards of cust-0001 one at a time, instant legacy systems; CPU time of each process from /proc)`,
        '',
        '| process | CPU ms per dashboard |',
        '| --- | --- |',
        ...[...used].filter(([n]) => ours(n)).map(([n, ms]) => `| ${n} | ${ms.toFixed(2)} |`),
        `| **bankgraph (gateway + subgraphs)** | **${sum(ours).toFixed(2)}** |`,
        `| legacy simulators (${[...used].filter(([n]) => !ours(n)).length}) | ${sum((n) => !ours(n)).toFixed(2)} |`,
      );
    } else {
      cpuLines.push('### CPU per dashboard', '', 'Not measured: needs /proc (Linux).');
    }

    await Promise.all([pool.close(), core.http.close(), cards.http.close(), kyc.http.close(), fx.http.close()]);
    const markdown = [
      `### Dashboard latency (legacy latency ${LATENCY_MS} ms per call, critical path ${CRITICAL_CHAIN} calls = ${critical} ms)`,
      '',
      '| concurrency | critical path | direct legacy calls p50 / p99 | bankgraph p50 / p99 | bankgraph over critical path p50 / p99 | bankgraph / direct (p50) | errors (bankgraph / direct) |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      '### Legacy calls per dashboard (reference rates cached)',
      '',
      '| customer | accounts | legacy calls per dashboard | per system |',
      '| --- | --- | --- | --- |',
      ...callRows,
      '',
      ...cpuLines,
    ].join('\n');
    return { latencyMs: LATENCY_MS, criticalMs: critical, latency: results, callsPerDashboard, cpuMsPerDashboard, markdown };
  } finally {
    await system.stop();
  }
}
