import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exposition } from '../../lib/metrics/process.js';
import { journeysRegistry, watchQueueDepth } from '../../subgraphs/journeys/engine/metrics.js';
import { BullMqQueue, InProcessQueue, type JobQueue, type JourneyJob } from '../../subgraphs/journeys/engine/queue.js';
import { requireRedis } from '../support/redis.js';

/**
 * bankgraph_journey_queue_depth: each queue's depth() by state, as the gauge exposes it, for the in-process queue and
 * for BullMQ on the real Redis (a prefix of its own per run).
 */

const OPTIONS = { attempts: 2, backoffMs: 60_000 };

/** The gauge's values as /metrics shows them. */
async function gauge(): Promise<Record<string, number>> {
  const text = await exposition(journeysRegistry);
  const out: Record<string, number> = {};
  for (const [, state, value] of text.matchAll(/^bankgraph_journey_queue_depth\{state="(\w+)"\} (\S+)$/gm)) out[state as string] = Number(value);
  return out;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('queue depth', () => {
  it('in process: waiting until a worker runs them, active while they run, delayed after a failure', async () => {
    const queue = new InProcessQueue();
    const unwatch = watchQueueDepth(queue);
    try {
      await queue.enqueue({ journeyId: 'j1', step: 'a' }, OPTIONS);
      await queue.enqueue({ journeyId: 'j1', step: 'b' }, OPTIONS);
      expect(await queue.depth()).toEqual({ waiting: 2, active: 0, delayed: 0, failed: 0 });
      expect(await gauge()).toEqual({ waiting: 2, active: 0, delayed: 0, failed: 0 });

      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      queue.process(async (job: JourneyJob) => {
        if (job.step === 'a') await held;
        else throw new Error('fails once: retried after the backoff');
      });
      await until('a running and b delayed', async () => (await queue.depth()).active === 1 && (await queue.depth()).delayed === 1);
      expect(await gauge()).toEqual({ waiting: 0, active: 1, delayed: 1, failed: 0 });
      release();
      await until('a done', async () => (await queue.depth()).active === 0);
      expect(await queue.depth()).toEqual({ waiting: 0, active: 0, delayed: 1, failed: 0 });
    } finally {
      unwatch();
      await queue.close();
    }
    // An unwatched queue leaves the gauge.
    expect(await gauge()).toEqual({});
  });

  describe('BullMQ', () => {
    let redisUrl: string;
    let queue: BullMqQueue | undefined;
    beforeAll(async () => {
      redisUrl = await requireRedis();
    });
    afterAll(async () => {
      await queue?.obliterate();
      await queue?.close();
    });

    it('reads the job counts from Redis', async () => {
      queue = new BullMqQueue({ redisUrl, prefix: `{bankgraph-test-metrics-${process.pid}-${Math.random().toString(36).slice(2, 8)}}` });
      const unwatch = watchQueueDepth(queue as JobQueue);
      try {
        await queue.enqueue({ journeyId: 'j2', step: 'a' }, OPTIONS);
        await queue.enqueue({ journeyId: 'j2', step: 'b' }, OPTIONS);
        await queue.enqueue({ journeyId: 'j2', step: 'b' }, OPTIONS); // the same live job: not added twice
        expect(await queue.depth()).toEqual({ waiting: 2, active: 0, delayed: 0, failed: 0 });
        expect(await gauge()).toEqual({ waiting: 2, active: 0, delayed: 0, failed: 0 });
      } finally {
        unwatch();
      }
    });
  });
});
