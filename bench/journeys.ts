/**
 * Journey engine benchmark (issue 3): what the engine adds per step, with state in Redis, against the legacy
 * latency of the same journeys; and journeys per second at 5 ms legacy latency.
 *
 * The simulators run as their own processes (as `npm start` runs them); the engine runs here, over a Redis store
 * with a prefix of its own. Overhead = journey wall time - time spent in legacy calls on its path, per step; at
 * concurrency 1 every legacy call of a journey is on its path (steps are sequential).
 */
import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import { onLegacyCall } from '../connectors/http.js';
import type { Principal } from '../lib/principal.js';
import { MemoryStore, RedisStore, type KeyValueStore } from '../lib/store/index.js';
import { createJourneysRuntime } from '../subgraphs/journeys/runtime.js';
import { InProcessQueue } from '../subgraphs/journeys/engine/queue.js';
import { fmt, percentile } from './stats.js';
import { setLatency, startBenchSystem } from './system.js';

const LATENCY_MS = Number(process.env.BENCH_JOURNEY_LATENCY_MS ?? 5);
const SEQUENTIAL = Number(process.env.BENCH_JOURNEYS_SEQUENTIAL ?? 60);
const CONCURRENT = Number(process.env.BENCH_JOURNEYS_CONCURRENT ?? 400);
const CONCURRENCY = 32;

interface Sample {
  wallMs: number;
  legacyMs: number;
  steps: number;
}

export async function runJourneysBench(): Promise<string> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bankgraph-bench:${process.pid}:${Date.now().toString(36)}:`;
  // Settlement as fast as the rail can: this measures the engine, not the rail's clock.
  const system = await startBenchSystem({ KYC_PROVIDER_RATE_PER_SECOND: '100000', RISK_SCORING_RATE_PER_SECOND: '100000', NOTIFIER_FAILURE_RATE: '0' });
  const rows: string[] = [];
  try {
    await setLatency(system.simulatorUrls, LATENCY_MS);
    const sims = system.simulatorUrls;
    const env = {
      NODE_ENV: 'bench',
      CORE_BANKING_URL: sims['core-banking'],
      CARD_PROCESSOR_URL: sims['card-processor'],
      KYC_PROVIDER_URL: sims['kyc-provider'],
      FX_WALLET_URL: sims['fx-wallet'],
      PAYMENT_RAIL_URL: sims['payment-rail'],
      NOTIFIER_URL: sims.notifier,
    };
    for (const [label, store] of [
      ['Redis', new RedisStore(redisUrl, { prefix })],
      ['memory', new MemoryStore()],
    ] as [string, KeyValueStore][]) {
      const runtime = createJourneysRuntime({ env, store, queue: new InProcessQueue(), recoveryIntervalMs: 0 });
      let inFlightLegacyMs = 0;
      const stop = onLegacyCall((e) => (inFlightLegacyMs += e.durationMs));
      const principal: Principal = { kind: 'customer', customerId: 'cust-0001' };
      const run = Date.now().toString(36);
      let n = 0;
      const oneJourney = async (): Promise<Sample> => {
        const i = n++;
        const before = inFlightLegacyMs;
        const t0 = performance.now();
        const r = await runtime.engine.start(runtime.flows.convertCurrency as never, {
          principal,
          idempotencyKey: `bench-${label}-${run}-${i}`,
          input: { walletId: 'wal_0001', sellAmount: { amount: '1.00', currency: 'EUR' }, buy: 'USD' },
          waitMs: 60_000,
        });
        if (r.status !== 'COMPLETED') throw new Error(`journey ${r.id} ended ${r.status}: ${r.reason}`);
        return { wallMs: performance.now() - t0, legacyMs: inFlightLegacyMs - before, steps: r.steps.length };
      };
      for (let i = 0; i < 10; i++) await oneJourney(); // warm up
      const samples: Sample[] = [];
      for (let i = 0; i < SEQUENTIAL; i++) samples.push(await oneJourney());
      const perStep = samples.map((s) => (s.wallMs - s.legacyMs) / s.steps).sort((a, b) => a - b);
      const legacyPerJourney = samples.reduce((a, s) => a + s.legacyMs, 0) / samples.length;
      const wallPerJourney = samples.reduce((a, s) => a + s.wallMs, 0) / samples.length;

      const t0 = performance.now();
      let started = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (started < CONCURRENT) {
            started++;
            await oneJourney();
          }
        }),
      );
      const perSecond = CONCURRENT / ((performance.now() - t0) / 1000);
      stop();
      rows.push(
        `| ${label} | ${samples[0]!.steps} | ${fmt(legacyPerJourney)} | ${fmt(wallPerJourney)} | ${fmt(percentile(perStep, 50))} / ${fmt(percentile(perStep, 99))} | ${perSecond.toFixed(0)} |`,
      );
      await runtime.close();
      await store.close();
    }
  } finally {
    await system.stop();
    const admin = new Redis(redisUrl);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  }
  return [
    `### Journey engine (convertCurrency: quote, then convert; ${LATENCY_MS} ms per legacy call)`,
    '',
    `| state store | steps | legacy time per journey | wall time per journey | engine overhead per step p50 / p99 | journeys/s at concurrency ${CONCURRENCY} |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Overhead per step = (journey wall time - its legacy call time) / steps, ${SEQUENTIAL} journeys one at a time. Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}.`,
  ].join('\n');
}
