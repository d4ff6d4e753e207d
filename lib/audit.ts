import { createRedisClient, type RedisClient } from './redis/connection.js';
import { scrubText } from './log.js';

/**
 * The audit log: who touched which customer's sensitive data, and every journey's start and end. A bank keeps it, so
 * the Redis sink only ever appends (XADD, never trimmed, never updated). Events carry ids, never data: no PAN, no
 * token, no secret, no contact details; every string goes through `scrubAuditText` before it is stored.
 */

/**
 * `consent`: a consent was created or changed status (lib/consents.ts). `journey-action`: a person asked for, approved
 * or declined an action on a parked journey (subgraphs/journeys/operations/actions.ts).
 */
export type AuditKind = 'read' | 'journey' | 'consent' | 'journey-action';

export interface AuditEvent {
  /** ISO 8601 date-time. */
  readonly at: string;
  /** `customer:<id>`, `staff:<role>:<id>` or `partner:<clientId>` (lib/principal.ts describePrincipal). */
  readonly who: string;
  /** The gateway request id; null when no request caused the event (a journey ending in the background). */
  readonly requestId: string | null;
  /** Operation name, persisted operation id, `anonymous`, or for journeys the journey type. */
  readonly operation: string;
  readonly kind: AuditKind;
  readonly customerId?: string;
  /** Instead of customerId when a staff lookup read several customers (`customers(ids:)`). */
  readonly customerIds?: readonly string[];
  readonly accountIds?: readonly string[];
  /**
   * Reads: `ok`; `partial` (data returned and some fields refused or failed); `denied` (refused, nothing returned);
   * `error`. Journeys: the status (`RUNNING` at the start, then the terminal one).
   */
  readonly outcome: string;
  /** Client address and user-agent family (`127.0.0.1 node`); `journeys:<worker>` for engine events. */
  readonly from: string;
  readonly journeyId?: string;
  /** The consent a partner's read relied on; for `consent` events, the consent that changed. */
  readonly consentId?: string;
  /** `consent` events: the status before the change (`outcome` is the status after); absent for a creation. */
  readonly previousStatus?: string;
  /** `journey-action` events: the action (`operation` names what was done: requested, approved, declined). */
  readonly actionId?: string;
}

export interface AuditSink {
  readonly kind: 'memory' | 'redis-stream';
  /** Appends one event (scrubbed first). Rejects when the event could not be stored: callers log it. */
  record(event: AuditEvent): Promise<void>;
  close(): Promise<void>;
}

/** The embedded default and the tests' sink: events in this process's memory, in order. */
export class MemoryAuditSink implements AuditSink {
  readonly kind = 'memory' as const;
  readonly events: AuditEvent[] = [];

  async record(event: AuditEvent): Promise<void> {
    this.events.push(scrubEvent(event));
  }

  async close(): Promise<void> {}
}

export const DEFAULT_AUDIT_STREAM = 'audit';

/**
 * Appends each event to a Redis stream (`<prefix>audit`, e.g. `bankgraph:audit`) as flat fields (`accountIds` as a
 * comma-separated list). Append-only by design: no MAXLEN, no XDEL, no XTRIM; retention is the bank's decision, made
 * outside the application. Redis must persist (AOF) and must not evict.
 */
export class RedisStreamAuditSink implements AuditSink {
  readonly kind = 'redis-stream' as const;
  readonly client: RedisClient;
  readonly stream: string;
  private readonly ownsClient: boolean;

  constructor(options: { url: string; prefix?: string; stream?: string } | { client: RedisClient; prefix?: string; stream?: string }) {
    this.stream = `${options.prefix ?? 'bankgraph:'}${options.stream ?? DEFAULT_AUDIT_STREAM}`;
    this.ownsClient = !('client' in options);
    this.client = 'client' in options ? options.client : createRedisClient(options.url, { maxRetriesPerRequest: 2 });
    // An outage surfaces as a rejected record(), which its caller logs (and may refuse the read on); without a listener
    // ioredis would also print every failed reconnection to stderr, outside the JSON logs.
    if (this.ownsClient) this.client.on('error', () => {});
  }

  async record(event: AuditEvent): Promise<void> {
    await this.client.xadd(this.stream, '*', ...fieldsOf(scrubEvent(event)));
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.quit().catch(() => this.client.disconnect());
  }
}

/** The Redis stream with REDIS_URL (prefix REDIS_PREFIX), memory otherwise: the same choice as lib/store. */
export function createAuditSink(env: Record<string, string | undefined> = process.env): AuditSink {
  return env.REDIS_URL ? new RedisStreamAuditSink({ url: env.REDIS_URL, prefix: env.REDIS_PREFIX ?? 'bankgraph:' }) : new MemoryAuditSink();
}

/** Reads stream entries (XRANGE) back into events: for tests and audit tooling. */
export function eventOfFields(fields: readonly string[]): AuditEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return {
    at: f.at ?? '',
    who: f.who ?? '',
    requestId: f.requestId === undefined || f.requestId === '' ? null : f.requestId,
    operation: f.operation ?? '',
    kind: (f.kind ?? 'read') as AuditKind,
    outcome: f.outcome ?? '',
    from: f.from ?? '',
    ...(f.customerId ? { customerId: f.customerId } : {}),
    ...(f.customerIds ? { customerIds: f.customerIds.split(',') } : {}),
    ...(f.accountIds ? { accountIds: f.accountIds.split(',') } : {}),
    ...(f.journeyId ? { journeyId: f.journeyId } : {}),
    ...(f.consentId ? { consentId: f.consentId } : {}),
    ...(f.previousStatus ? { previousStatus: f.previousStatus } : {}),
    ...(f.actionId ? { actionId: f.actionId } : {}),
  };
}

/** scrubText (lib/log.ts): PAN-like runs, bearer tokens, JWTs, e-mail addresses and phone numbers are masked. */
export const scrubAuditText = scrubText;

/** A string field at most this long: ids, names and families, never payloads. */
const MAX_FIELD = 200;

function clean(text: string): string {
  return scrubAuditText(text).slice(0, MAX_FIELD);
}

function scrubEvent(e: AuditEvent): AuditEvent {
  return {
    at: clean(e.at),
    who: clean(e.who),
    requestId: e.requestId === null ? null : clean(e.requestId),
    operation: clean(e.operation),
    kind: e.kind,
    ...(e.customerId !== undefined ? { customerId: clean(e.customerId) } : {}),
    ...(e.customerIds !== undefined ? { customerIds: e.customerIds.map((id) => clean(id)) } : {}),
    ...(e.accountIds !== undefined ? { accountIds: e.accountIds.map((id) => clean(id)) } : {}),
    outcome: clean(e.outcome),
    from: clean(e.from),
    ...(e.journeyId !== undefined ? { journeyId: clean(e.journeyId) } : {}),
    ...(e.consentId !== undefined ? { consentId: clean(e.consentId) } : {}),
    ...(e.previousStatus !== undefined ? { previousStatus: clean(e.previousStatus) } : {}),
    ...(e.actionId !== undefined ? { actionId: clean(e.actionId) } : {}),
  };
}

function fieldsOf(e: AuditEvent): string[] {
  const fields: string[] = ['at', e.at, 'who', e.who, 'requestId', e.requestId ?? '', 'operation', e.operation, 'kind', e.kind, 'outcome', e.outcome, 'from', e.from];
  if (e.customerId !== undefined) fields.push('customerId', e.customerId);
  if (e.customerIds !== undefined) fields.push('customerIds', e.customerIds.join(','));
  if (e.accountIds !== undefined) fields.push('accountIds', e.accountIds.join(','));
  if (e.journeyId !== undefined) fields.push('journeyId', e.journeyId);
  if (e.consentId !== undefined) fields.push('consentId', e.consentId);
  if (e.previousStatus !== undefined) fields.push('previousStatus', e.previousStatus);
  if (e.actionId !== undefined) fields.push('actionId', e.actionId);
  return fields;
}

/**
 * The family of a User-Agent, never the whole header (it can be long, and it is the client's free text):
 * `firefox`, `chrome`, `safari`, `edge`, `curl`, `node`, `okhttp`, ... or `other` / `unknown`.
 */
export function userAgentFamily(userAgent: string | undefined | null): string {
  if (!userAgent) return 'unknown';
  const ua = userAgent.toLowerCase();
  const families: [RegExp, string][] = [
    [/edg\//, 'edge'],
    [/firefox\//, 'firefox'],
    [/chrome\/|chromium\//, 'chrome'],
    [/safari\//, 'safari'],
    [/^curl\//, 'curl'],
    [/^node|undici/, 'node'],
    [/okhttp/, 'okhttp'],
    [/python/, 'python'],
    [/go-http-client/, 'go'],
    [/java\//, 'java'],
  ];
  return families.find(([re]) => re.test(ua))?.[1] ?? 'other';
}
