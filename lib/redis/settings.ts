import type { Redis } from 'ioredis';
import { isProduction } from '../config.js';
import type { Logger } from '../log.js';
import { createRedisClient, describeRedisUrl, serversOf, whenReady, type RedisClient } from './connection.js';

/**
 * Redis holds bankgraph's records, not a cache: idempotency keys, journey state, rate-limit buckets, the audit
 * stream. Two settings decide whether it keeps them:
 *   - maxmemory-policy must be `noeviction`: any other policy lets Redis drop keys silently when memory runs out,
 *     and an evicted journey record or idempotency key means the same request runs again: money moved twice.
 *     (`noeviction` makes writes fail loudly instead, which the engine treats as an outage, not as "new".)
 *   - persistence must be on: AOF (`appendonly yes`, `appendfsync everysec`) recommended; RDB snapshots (`save`)
 *     at least. With neither, a restart forgets every journey in flight.
 *
 * Every process that uses Redis checks at start (checkRedisAtStart) and logs what it found. In production it refuses
 * to start when a setting is unsafe; a setting it cannot read (managed Redis often disables CONFIG) is "unknown", and
 * production then requires REDIS_SETTINGS_VERIFIED=true, the operator's statement that they checked it themselves.
 * In development it warns and starts.
 */

type Env = Record<string, string | undefined>;

export interface RedisServerSettings {
  /** host:port of the server asked. */
  readonly server: string;
  /** null = could not be read. */
  readonly maxmemoryPolicy: string | null;
  readonly appendonly: 'yes' | 'no' | null;
  readonly appendfsync: string | null;
  /** RDB snapshot rules; '' = RDB off. */
  readonly save: string | null;
  /** Why CONFIG GET could not be used, when it could not. */
  readonly configError?: string;
}

export type RedisSettingsVerdict = 'safe' | 'unsafe' | 'unknown';

export interface RedisSettingsReport {
  /** REDIS_URL without its password. */
  readonly url: string;
  readonly servers: readonly RedisServerSettings[];
  /** Known-unsafe settings, each naming the setting and the fix. */
  readonly problems: readonly string[];
  /** Settings that could not be read. */
  readonly unknowns: readonly string[];
  /** Safe, but could be better (RDB only, appendfsync no). */
  readonly advice: readonly string[];
  readonly verdict: RedisSettingsVerdict;
}

export const SETTINGS_OVERRIDE_ENV = 'REDIS_SETTINGS_VERIFIED';

const FIX_POLICY = 'set maxmemory-policy noeviction (redis.conf, or CONFIG SET maxmemory-policy noeviction)';
const FIX_PERSISTENCE = 'turn on AOF: appendonly yes and appendfsync everysec (redis.conf, or CONFIG SET appendonly yes)';

/** Reads the settings of every server behind the client (each master of a Cluster) and judges them. */
export async function readRedisSettings(client: RedisClient, url: string): Promise<RedisSettingsReport> {
  const servers = await Promise.all(serversOf(client).map(readServer));
  return assessRedisSettings(describeRedisUrl(url), servers);
}

async function readServer(server: Redis): Promise<RedisServerSettings> {
  const name = `${server.options.host ?? '127.0.0.1'}:${server.options.port ?? 6379}`;
  let configError: string | undefined;
  const config = async (parameter: string): Promise<string | null> => {
    try {
      const answer = (await server.call('CONFIG', 'GET', parameter)) as string[];
      return answer.length >= 2 ? String(answer[1]) : null;
    } catch (err) {
      configError ??= (err as Error).message;
      return null;
    }
  };
  const info = async (section: string): Promise<Record<string, string>> => {
    try {
      return parseInfo(await server.info(section));
    } catch {
      return {};
    }
  };
  const [policy, appendonly, appendfsync, save] = [
    await config('maxmemory-policy'),
    await config('appendonly'),
    await config('appendfsync'),
    await config('save'),
  ];
  // INFO answers where CONFIG is disabled (renamed on managed Redis): the policy and whether AOF is on, not `save`.
  const memory = policy === null ? await info('memory') : {};
  const persistence = appendonly === null ? await info('persistence') : {};
  const aof = appendonly ?? (persistence.aof_enabled === '1' ? 'yes' : persistence.aof_enabled === '0' ? 'no' : null);
  return {
    server: name,
    maxmemoryPolicy: policy ?? memory.maxmemory_policy ?? null,
    appendonly: aof === 'yes' || aof === 'no' ? aof : null,
    appendfsync,
    save,
    ...(configError !== undefined ? { configError } : {}),
  };
}

function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/** The judgement alone (pure): what is unsafe, what is unknown, what could be better. */
export function assessRedisSettings(url: string, servers: readonly RedisServerSettings[]): RedisSettingsReport {
  const problems: string[] = [];
  const unknowns: string[] = [];
  const advice: string[] = [];
  if (servers.length === 0) unknowns.push(`no Redis server answered at ${url}`);
  for (const s of servers) {
    const why = s.configError ? ` (CONFIG GET failed: ${s.configError})` : '';
    if (s.maxmemoryPolicy === null) unknowns.push(`maxmemory-policy on ${s.server} could not be read${why}`);
    else if (s.maxmemoryPolicy !== 'noeviction') {
      problems.push(
        `maxmemory-policy is "${s.maxmemoryPolicy}" on ${s.server}: Redis may evict idempotency keys and journey state ` +
          `silently (the same payment could run twice); ${FIX_POLICY}`,
      );
    }
    const rdb = s.save === null ? null : s.save.trim() !== '';
    if (s.appendonly === 'yes') {
      if (s.appendfsync === 'no') advice.push(`appendfsync is "no" on ${s.server}: the OS decides when writes reach disk; appendfsync everysec is recommended`);
    } else if (rdb === true) {
      advice.push(`only RDB snapshots on ${s.server} (save "${s.save}"): a crash loses the writes since the last snapshot; AOF is recommended (appendonly yes, appendfsync everysec)`);
    } else if (s.appendonly === 'no' && rdb === false) {
      problems.push(`persistence is off on ${s.server} (appendonly no, save ""): a restart forgets every journey and idempotency key; ${FIX_PERSISTENCE}`);
    } else {
      unknowns.push(`persistence on ${s.server} could not be read (appendonly ${s.appendonly ?? 'unknown'}, save ${s.save === null ? 'unknown' : `"${s.save}"`})${why}`);
    }
  }
  const verdict: RedisSettingsVerdict = problems.length > 0 ? 'unsafe' : unknowns.length > 0 ? 'unknown' : 'safe';
  return { url, servers, problems, unknowns, advice, verdict };
}

export class UnsafeRedisError extends Error {
  override readonly name = 'UnsafeRedisError';
  constructor(readonly report: RedisSettingsReport) {
    const lines = [...report.problems, ...report.unknowns].map((l) => `  - ${l}`).join('\n');
    const hint =
      report.verdict === 'unknown'
        ? `If CONFIG is disabled (managed Redis) and you have verified maxmemory-policy noeviction and persistence yourself, set ${SETTINGS_OVERRIDE_ENV}=true.`
        : `${SETTINGS_OVERRIDE_ENV}=true does not override a setting known to be unsafe. See README "Redis as a system of record".`;
    super(`refusing to start in production: Redis at ${report.url} is not safe as a system of record:\n${lines}\n${hint}`);
  }
}

/**
 * Logs the report and decides: throws UnsafeRedisError in production when a setting is unsafe, or unknown without
 * REDIS_SETTINGS_VERIFIED=true. Outside production it warns and returns.
 */
export function enforceRedisSettings(report: RedisSettingsReport, env: Env, logger: Logger): void {
  const production = isProduction(env);
  const verified = env[SETTINGS_OVERRIDE_ENV] === 'true';
  logger.info({ redis: { url: report.url, verdict: report.verdict, servers: report.servers } }, 'Redis settings');
  for (const line of report.advice) logger.info({ redis: report.url }, `Redis: ${line}`);
  const refuse = production && (report.verdict === 'unsafe' || (report.verdict === 'unknown' && !verified));
  if (refuse) throw new UnsafeRedisError(report);
  for (const line of report.problems) logger.warn({ redis: report.url }, `Redis is not safe as a system of record: ${line}`);
  for (const line of report.unknowns) {
    logger.warn({ redis: report.url, verified }, `Redis setting unknown${verified ? ` (accepted: ${SETTINGS_OVERRIDE_ENV}=true)` : ''}: ${line}`);
  }
}

/**
 * The start-up check of a process that uses Redis: nothing without REDIS_URL; otherwise connects (bounded by
 * `timeoutMs`), reads, logs and enforces (enforceRedisSettings). A Redis that does not answer is "unknown".
 */
export async function checkRedisAtStart(
  logger: Logger,
  env: Env = process.env,
  options: { timeoutMs?: number } = {},
): Promise<RedisSettingsReport | null> {
  const url = env.REDIS_URL;
  if (!url) return null;
  const client = createRedisClient(
    url,
    { maxRetriesPerRequest: 1, connectTimeout: options.timeoutMs ?? 5000, retryStrategy: () => null, lazyConnect: false },
    { clusterRetryStrategy: () => null },
  );
  client.on('error', () => {}); // reported below, as "unknown"
  let report: RedisSettingsReport;
  try {
    await whenReady(client, options.timeoutMs ?? 5000);
    report = await readRedisSettings(client, url);
  } catch (err) {
    report = assessRedisSettings(describeRedisUrl(url), []);
    report = { ...report, unknowns: [`Redis at ${report.url} did not answer: ${(err as Error).message}`] };
  } finally {
    client.disconnect();
  }
  enforceRedisSettings(report, env, logger);
  return report;
}

/**
 * checkRedisAtStart for a service's entry point: a refusal (unsafe settings in production) is logged as fatal,
 * written to stderr (the operator sees it even with logs shipped elsewhere) and ends the process with exit code 1.
 */
export async function checkRedisOrExit(logger: Logger, service: string): Promise<void> {
  try {
    await checkRedisAtStart(logger);
  } catch (err) {
    logger.fatal({ err }, `${service} refused to start: Redis settings`);
    process.stderr.write(`bankgraph ${service} failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
