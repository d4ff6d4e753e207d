/**
 * `npm run journeys:reindex`: writes the operations work queue's indexes (subgraphs/journeys/engine/queue-index.ts)
 * for every journey record in the store that REDIS_URL (and REDIS_PREFIX) name. Run it once after upgrading a
 * deployment whose journeys were written before the indexes existed (their parked journeys are otherwise missing from
 * `journeys(filter:)`, `journeySummary` and the parked gauges), and after a Redis Cluster incident. Idempotent; safe
 * beside running workers (a journey that changes meanwhile writes its own entries).
 */
import { createStore } from '../lib/store/index.js';
import { JourneyStore } from '../subgraphs/journeys/engine/store.js';

if (!process.env.REDIS_URL) {
  console.error('journeys:reindex needs REDIS_URL: the in-memory store of `npm start` has no journeys from before.');
  process.exit(2);
}
const kv = createStore(process.env);
try {
  const started = Date.now();
  const indexed = await new JourneyStore(kv).reindexAll();
  console.log(`indexed ${indexed} journey record${indexed === 1 ? '' : 's'} in ${Date.now() - started} ms`);
} finally {
  await kv.close();
}
