import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AuditSink } from './audit.js';
import { BankError, ErrorCode } from './errors.js';
import { createLogger, type Logger } from './log.js';
import type { Consent, ConsentKind, ConsentPayment } from './principal.js';
import { isScope, type Scope } from './scopes.js';
import type { KeyValueStore } from './store/index.js';

/**
 * Partners and the consents customers give them. A partner (schema/partners.json) is granted scopes once, when it
 * is registered; a consent binds one partner to one customer, the accounts that customer selected, the scopes the
 * customer agreed to and an expiry. Consents live in the KeyValueStore (Redis when REDIS_URL is set): the journeys
 * subgraph keeps the registry (subgraphs/journeys/consents/), because a payment consent is spent in the same store as
 * the journey that spends it; the gateway asks it about the consent on every request, it never trusts a copy in a
 * token.
 */

// ---------------------------------------------------------------------------------------------------------------
// Partners (schema/partners.json)

export interface PartnerRateLimit {
  /** Burst size: requests a partner may make at once. */
  readonly capacity: number;
  /** Tokens added back per second. */
  readonly refillPerSecond: number;
}

export interface Partner {
  readonly clientId: string;
  readonly name: string;
  /** What the partner was granted when it was registered: the most any of its tokens or consents can carry. */
  readonly scopes: readonly Scope[];
  readonly rateLimit: PartnerRateLimit;
  /**
   * The partner's public keys (a JWKS, `{"keys": [...]}`), for the authorisation server's private_key_jwt client
   * authentication; absent for a partner registered without keys.
   */
  readonly jwks?: { readonly keys: readonly Readonly<Record<string, unknown>>[] };
}

export type PartnerRegistry = ReadonlyMap<string, Partner>;

export const PARTNERS_PATH = new URL('../schema/partners.json', import.meta.url);

/**
 * Reads and checks the partner registry: PARTNERS_PATH when set (as the rate limits and the authorisation server read
 * it, so every process knows the same partners), else schema/partners.json; throws saying what is wrong.
 */
export function loadPartners(path: URL | string = process.env.PARTNERS_PATH || PARTNERS_PATH): PartnerRegistry {
  return parsePartners(JSON.parse(readFileSync(path, 'utf8')) as unknown, String(path));
}

export function parsePartners(raw: unknown, source = 'partners'): PartnerRegistry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${source}: expected an object of partners by client id`);
  }
  const partners = new Map<string, Partner>();
  for (const [clientId, value] of Object.entries(raw as Record<string, unknown>)) {
    const p = value as { name?: unknown; scopes?: unknown; rateLimit?: { capacity?: unknown; refillPerSecond?: unknown }; jwks?: unknown };
    const scopes = Array.isArray(p.scopes) ? p.scopes : undefined;
    if (!scopes?.every((s): s is Scope => typeof s === 'string' && isScope(s))) {
      throw new Error(`${source}: partner "${clientId}" needs "scopes", a list of known scopes, got ${JSON.stringify(p.scopes)}`);
    }
    const capacity = p.rateLimit?.capacity;
    const refill = p.rateLimit?.refillPerSecond;
    if (typeof capacity !== 'number' || capacity <= 0 || typeof refill !== 'number' || refill <= 0) {
      throw new Error(`${source}: partner "${clientId}" needs "rateLimit": {capacity > 0, refillPerSecond > 0}`);
    }
    const jwks = p.jwks as { keys?: unknown } | undefined;
    if (jwks !== undefined && (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys) || !jwks.keys.every((k) => typeof k === 'object' && k !== null && !Array.isArray(k)))) {
      throw new Error(`${source}: partner "${clientId}" has "jwks" that is not {"keys": [JWK, ...]}`);
    }
    partners.set(clientId, {
      clientId,
      name: typeof p.name === 'string' ? p.name : clientId,
      scopes,
      rateLimit: { capacity, refillPerSecond: refill },
      ...(jwks ? { jwks: { keys: jwks.keys as Record<string, unknown>[] } } : {}),
    });
  }
  return partners;
}

// ---------------------------------------------------------------------------------------------------------------
// Consents

export type { ConsentKind, ConsentPayment };

export type ConsentStatus = 'AwaitingAuthorisation' | 'Authorised' | 'Rejected' | 'Revoked' | 'Expired' | 'Consumed';

export const CONSENT_STATUSES: readonly ConsentStatus[] = ['AwaitingAuthorisation', 'Authorised', 'Rejected', 'Revoked', 'Expired', 'Consumed'];

/**
 * A consent as the registry keeps it (`consent:<id>`, JSON). `status` as read through ConsentStore is the effective
 * one: an AwaitingAuthorisation or Authorised consent whose expiresAt has passed reads as Expired (and is written so
 * on the first read that notices).
 */
export interface ConsentRecord {
  /** `aac-<uuid>` (account access) / `pdc-<uuid>` (payment); the sandbox seeds keep their older ids. */
  readonly id: string;
  readonly kind: ConsentKind;
  /** The partner's client id. */
  readonly partner: string;
  readonly status: ConsentStatus;
  /** ISO 8601 date-time. */
  readonly statusUpdatedAt: string;
  readonly createdAt: string;
  /** Null until the customer authorises. */
  readonly customerId: string | null;
  /** Our scopes (lib/scopes.ts); OB permission names map onto them (subgraphs/journeys/consents/ob.ts). */
  readonly permissions: readonly Scope[];
  /** The accounts the partner asked for, when it named some: the customer chooses among these. */
  readonly requestedAccountIds: readonly string[] | null;
  /** What the customer chose ([] until authorised). */
  readonly accountIds: readonly string[];
  /** ISO 8601; null: no expiry. */
  readonly expiresAt: string | null;
  readonly transactionFrom: string | null;
  readonly transactionTo: string | null;
  /** Accesses a day without the customer present (Berlin frequencyPerDay; PSD2 RTS art. 36(5)(b): 4). */
  readonly frequencyPerDay: number;
  /** Berlin recurringIndicator; false for a payment consent. */
  readonly recurringIndicator: boolean;
  readonly payment: ConsentPayment | null;
  /** The journey that spent a payment consent. */
  readonly consumedBy: string | null;
}

/** What create() needs; the rest has defaults. */
export interface NewConsent {
  readonly id: string;
  readonly partner: string;
  /** @default 'account-access' */
  readonly kind?: ConsentKind;
  /** @default null (awaiting the customer) */
  readonly customerId?: string | null;
  readonly permissions?: readonly Scope[];
  readonly requestedAccountIds?: readonly string[] | null;
  readonly accountIds?: readonly string[];
  readonly expiresAt?: string | null;
  readonly transactionFrom?: string | null;
  readonly transactionTo?: string | null;
  readonly frequencyPerDay?: number;
  readonly recurringIndicator?: boolean;
  readonly payment?: ConsentPayment | null;
  /**
   * AwaitingAuthorisation (a partner's request), or Authorised for a consent recorded as already given (the sandbox
   * seeds). @default Authorised when a customerId is given, AwaitingAuthorisation otherwise
   */
  readonly status?: 'AwaitingAuthorisation' | 'Authorised';
}

/** The PSD2 default of Berlin's frequencyPerDay. */
export const DEFAULT_FREQUENCY_PER_DAY = 4;

/** Where a status may go. Rejected, Revoked, Expired and Consumed are final. */
export const CONSENT_TRANSITIONS: Readonly<Record<ConsentStatus, readonly ConsentStatus[]>> = {
  AwaitingAuthorisation: ['Authorised', 'Rejected', 'Expired'],
  Authorised: ['Revoked', 'Expired', 'Consumed'],
  Rejected: [],
  Revoked: [],
  Expired: [],
  Consumed: [],
};

/** Whether a consent of this kind may go from one status to the other (Consumed: payment consents only). */
export function canTransition(kind: ConsentKind, from: ConsentStatus, to: ConsentStatus): boolean {
  if (to === 'Consumed' && kind !== 'payment') return false;
  return CONSENT_TRANSITIONS[from].includes(to);
}

/** The status a consent reads as at `now`: Expired once an open consent's expiresAt has passed. */
export function effectiveStatus(record: Pick<ConsentRecord, 'status' | 'expiresAt'>, now: number): ConsentStatus {
  if ((record.status === 'AwaitingAuthorisation' || record.status === 'Authorised') && record.expiresAt !== null) {
    const at = Date.parse(record.expiresAt);
    if (!Number.isFinite(at) || at <= now) return 'Expired';
  }
  return record.status;
}

/** Why a consent does not let a partner in (or 'live' when it does): the access route's `standing`. */
export const CONSENT_STANDINGS = [
  'live',
  'missing',
  'other-partner',
  'awaiting-authorisation',
  'rejected',
  'revoked',
  'expired',
  'consumed',
  'frequency-exceeded',
] as const;
export type ConsentStanding = (typeof CONSENT_STANDINGS)[number];

/** How long an x-idempotency-key stands for its consent request (OB: at least 24 hours). */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** The first 32 hex digits of a digest, in a UUID's 8-4-4-4-12 groups (a consent id's usual shape). */
function uuidShaped(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A refusal of the registry (a GraphQL field error as is; the REST routes answer HTTP_STATUS[code]). */
export function consentError(code: ErrorCode, message: string): BankError {
  return new BankError(code, message);
}

/** What one counted access (the gateway's call on every partner request) decided. */
export interface ConsentAccess {
  readonly standing: ConsentStanding;
  /** The consent as the principal carries it when live (and when consumed: a payment's replay needs it); else null. */
  readonly consent: Consent | null;
  /** Accesses counted today (UTC), customer present or not. */
  readonly accessesToday: number;
}

export interface ConsentUsage {
  readonly lastAccessAt: string | null;
  readonly accessesToday: number;
}

export interface ConsentStoreOptions {
  /** Where every creation and status change is audited. @default none (tests of other things) */
  readonly audit?: AuditSink;
  readonly now?: () => Date;
  readonly logger?: Logger;
}

/** Counters outlive their UTC day by this much, then expire. */
const COUNTER_TTL_MS = 2 * 24 * 60 * 60 * 1000;
/** Who changes a consent when nobody asked: its expiry noticed on a read. */
const EXPIRY = 'system:expiry';

/**
 * The consent registry on a KeyValueStore: `consent:<id>` (JSON) changed only by compare-and-set, the indexes
 * `consents-of-customer:<id>` and `consents-of-partner:<id>` (sets), and the access counters
 * `consent-accesses:<id>:<YYYY-MM-DD>` (all) and `...:absent` (customer not present), `consent-last-access:<id>`.
 */
export class ConsentStore {
  private readonly now: () => Date;
  private readonly logger: Logger;

  constructor(
    private readonly store: KeyValueStore,
    private readonly options: ConsentStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger ?? createLogger('consents');
  }

  /** The consent with its effective status (an expiry noticed here is written, once, with its audit event). */
  async get(id: string): Promise<ConsentRecord | null> {
    const raw = await this.store.get(keyOf(id));
    if (raw === null) return null;
    const record = fromStored(raw);
    if (effectiveStatus(record, this.now().getTime()) === 'Expired' && record.status !== 'Expired') {
      return (await this.change(id, ['Expired'], EXPIRY, () => ({})).catch(() => null)) ?? { ...record, status: 'Expired' };
    }
    return record;
  }

  /** Stores a new consent; false when one with this id exists already (it is left as it was). */
  async create(input: NewConsent, who = 'system'): Promise<boolean> {
    const record = newRecord(input, this.now());
    const created = await this.store.setIfAbsent(keyOf(record.id), JSON.stringify(record));
    if (!created) return false;
    await this.store.addToSet(partnerIndex(record.partner), record.id);
    if (record.customerId !== null) await this.store.addToSet(customerIndex(record.customerId), record.id);
    await this.audit(record, who, undefined);
    return true;
  }

  /**
   * A new account-access or payment consent (`aac-` / `pdc-`), AwaitingAuthorisation. With an idempotency key (OB's
   * `x-idempotency-key`) the request is made once: its id is derived from the partner and the key, so a retry, or two
   * at once, get the one consent; the same key with another request (its `fingerprint` differs) within 24 h is
   * IDEMPOTENCY_KEY_REUSED and creates nothing. Without one, a fresh id.
   */
  async request(input: Omit<NewConsent, 'id' | 'status' | 'customerId'>, who: string, idempotency?: { readonly key: string; readonly fingerprint: string }): Promise<ConsentRecord> {
    const prefix = input.kind === 'payment' ? 'pdc' : 'aac';
    let id = `${prefix}-${randomUUID()}`;
    if (idempotency) {
      const partner = input.partner;
      id = `${prefix}-${uuidShaped(createHash('sha256').update(`${partner}\n${prefix}\n${idempotency.key}`).digest('hex'))}`;
      const marker = `consent-request:${partner}:${prefix}:${createHash('sha256').update(idempotency.key).digest('hex')}`;
      const claim = JSON.stringify({ id, fingerprint: idempotency.fingerprint });
      if (!(await this.store.setIfAbsent(marker, claim, { ttlMs: IDEMPOTENCY_TTL_MS }))) {
        const prior = await this.store.get(marker);
        if (prior !== null && (JSON.parse(prior) as { fingerprint?: unknown }).fingerprint !== idempotency.fingerprint) {
          throw consentError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'This x-idempotency-key was used for another consent request: use a new key for a new request.');
        }
      }
    }
    // A no-op when the consent exists (the retry of a request that created it).
    await this.create({ ...input, id, status: 'AwaitingAuthorisation', customerId: null }, who);
    const created = await this.get(id);
    if (!created) throw new Error(`consent ${id} vanished right after it was created`);
    return created;
  }

  /** The customer approved: AwaitingAuthorisation → Authorised, bound to them and the accounts they chose. */
  authorise(id: string, customerId: string, accountIds: readonly string[], who: string): Promise<ConsentRecord> {
    return this.change(id, ['Authorised'], who, () => ({ customerId, accountIds: [...accountIds] }));
  }

  /** The customer declined: AwaitingAuthorisation → Rejected. */
  reject(id: string, who: string): Promise<ConsentRecord> {
    return this.change(id, ['Rejected'], who, () => ({}));
  }

  /**
   * Revokes a consent for good: Authorised → Revoked (the customer, staff, the partner). Null when unknown;
   * CONSENT_STATE_CONFLICT from any other state.
   */
  async revoke(id: string, who = 'system'): Promise<ConsentRecord | null> {
    try {
      return await this.change(id, ['Revoked'], who, () => ({}));
    } catch (err) {
      if (err instanceof BankError && err.code === ErrorCode.CONSENT_NOT_FOUND) return null;
      throw err;
    }
  }

  /** The partner's DELETE: AwaitingAuthorisation → Rejected, Authorised → Revoked. */
  withdraw(id: string, who: string): Promise<ConsentRecord> {
    return this.change(id, ['Rejected', 'Revoked'], who, () => ({}));
  }

  /**
   * Spends a payment consent on one journey: Authorised → Consumed with consumedBy = journeyId. Spending it again on
   * the same journey (a replay) answers the record as it is; on another journey, CONSENT_CONSUMED.
   */
  async consume(id: string, journeyId: string, who: string): Promise<ConsentRecord> {
    /** The answer for a consent already spent: itself on its own journey, CONSENT_CONSUMED on another. */
    const spent = (record: ConsentRecord | null): ConsentRecord | undefined => {
      if (record?.status !== 'Consumed') return undefined;
      if (record.consumedBy === journeyId) return record;
      throw consentError(ErrorCode.CONSENT_CONSUMED, 'This payment consent was used for another payment already.');
    };
    const before = spent(await this.get(id));
    if (before) return before;
    try {
      return await this.change(id, ['Consumed'], who, () => ({ consumedBy: journeyId }));
    } catch (err) {
      // Spent in between by a concurrent request: decided on the record as it is now.
      const now = spent(await this.get(id));
      if (now) return now;
      throw err;
    }
  }

  /** A customer's consents, newest first. */
  async listByCustomer(customerId: string): Promise<ConsentRecord[]> {
    return (await this.list(customerIndex(customerId))).filter((c) => c.customerId === customerId);
  }

  /** A partner's consents, newest first. */
  async listByPartner(partner: string): Promise<ConsentRecord[]> {
    return (await this.list(partnerIndex(partner))).filter((c) => c.partner === partner);
  }

  /** Whether this consent lets this partner in now (the access counter aside). */
  standing(consent: ConsentRecord | null, partner: string): ConsentStanding {
    if (!consent) return 'missing';
    if (consent.partner !== partner) return 'other-partner';
    switch (effectiveStatus(consent, this.now().getTime())) {
      case 'AwaitingAuthorisation':
        return 'awaiting-authorisation';
      case 'Rejected':
        return 'rejected';
      case 'Revoked':
        return 'revoked';
      case 'Expired':
        return 'expired';
      case 'Consumed':
        return 'consumed';
      case 'Authorised':
        return consent.customerId === null ? 'awaiting-authorisation' : 'live';
    }
  }

  /**
   * One partner request under this consent: its standing and, when live, one access counted (lastAccessAt, today's
   * count). Without the customer present at most frequencyPerDay accesses of an account-access consent a UTC day:
   * the one that would exceed it is `frequency-exceeded` and counts nothing. The counters are atomic (incrementBy)
   * on the shared store, so every gateway and journeys instance on one Redis sees one count.
   */
  async recordAccess(id: string, partner: string, customerPresent: boolean): Promise<ConsentAccess> {
    const consent = await this.get(id);
    const standing = this.standing(consent, partner);
    const day = utcDay(this.now());
    if (standing !== 'live' || !consent) {
      const carried = standing === 'consumed' && consent?.customerId ? principalConsentOf(consent) : null;
      return { standing, consent: carried, accessesToday: await this.count(accessKey(id, day)) };
    }
    // The limit is PSD2's for account information (RTS art. 36(5)(b)): a payment consent is spent once anyway, and a
    // limit on it would refuse the retry of a payment the customer authorised.
    if (!customerPresent && consent.kind === 'account-access') {
      const absent = await this.store.incrementBy(absentKey(id, day), 1, { ttlMs: COUNTER_TTL_MS });
      if (absent > consent.frequencyPerDay) {
        // Taken back: a refused access counts nothing (and never pushes a later one over by its own increment).
        await this.store.incrementBy(absentKey(id, day), -1, { ttlMs: COUNTER_TTL_MS });
        return { standing: 'frequency-exceeded', consent: null, accessesToday: await this.count(accessKey(id, day)) };
      }
    }
    const accessesToday = await this.store.incrementBy(accessKey(id, day), 1, { ttlMs: COUNTER_TTL_MS });
    await this.store.set(lastAccessKey(id), this.now().toISOString());
    return { standing, consent: principalConsentOf(consent), accessesToday };
  }

  /** When the consent was last used and how often today (UTC). */
  async usage(id: string): Promise<ConsentUsage> {
    const [lastAccessAt, accessesToday] = await Promise.all([this.store.get(lastAccessKey(id)), this.count(accessKey(id, utcDay(this.now())))]);
    return { lastAccessAt, accessesToday };
  }

  private async count(key: string): Promise<number> {
    const raw = await this.store.get(key);
    return raw === null ? 0 : Number(raw);
  }

  private async list(index: string): Promise<ConsentRecord[]> {
    const ids = await this.store.setMembers(index);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records
      .filter((r): r is ConsentRecord => r !== null)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Moves a consent to the first of `targets` its current status allows (compare-and-set, retried when another
   * writer got there first), with `patch`. CONSENT_NOT_FOUND when unknown; CONSENT_STATE_CONFLICT, nothing changed,
   * when no target is allowed from where it is.
   */
  private async change(
    id: string,
    targets: readonly ConsentStatus[],
    who: string,
    patch: (current: ConsentRecord) => Partial<Pick<ConsentRecord, 'customerId' | 'accountIds' | 'consumedBy'>>,
  ): Promise<ConsentRecord> {
    for (;;) {
      const raw = await this.store.get(keyOf(id));
      if (raw === null) throw consentError(ErrorCode.CONSENT_NOT_FOUND, 'There is no such consent.');
      const current = fromStored(raw);
      const now = this.now();
      const from = effectiveStatus(current, now.getTime());
      // An expiry not written yet is written first (its own audit event), and the change is judged from Expired.
      if (from === 'Expired' && current.status !== 'Expired' && !targets.includes('Expired')) {
        await this.change(id, ['Expired'], EXPIRY, () => ({})).catch(() => undefined);
        throw consentError(ErrorCode.CONSENT_STATE_CONFLICT, `The consent is Expired: it cannot become ${targets.join(' or ')}.`);
      }
      const to = targets.find((t) => canTransition(current.kind, current.status, t));
      if (!to) {
        throw consentError(ErrorCode.CONSENT_STATE_CONFLICT, `The consent is ${from}: it cannot become ${targets.join(' or ')}.`);
      }
      const next: ConsentRecord = { ...current, ...patch(current), status: to, statusUpdatedAt: now.toISOString() };
      // Indexed before the change is made (adding is idempotent, and a listing reads each record and keeps only that
      // customer's): a process dying in between can leave an entry the listing ignores, never an Authorised consent
      // missing from the customer's own list, where they would look to revoke it.
      if (next.customerId !== null && current.customerId === null) await this.store.addToSet(customerIndex(next.customerId), id);
      if (!(await this.store.compareAndSet(keyOf(id), raw, JSON.stringify(next)))) continue;
      await this.audit(next, who, current.status);
      return next;
    }
  }

  private async audit(record: ConsentRecord, who: string, previousStatus: ConsentStatus | undefined): Promise<void> {
    if (!this.options.audit) return;
    try {
      await this.options.audit.record({
        at: record.statusUpdatedAt,
        who,
        requestId: null,
        operation: previousStatus === undefined ? 'createConsent' : 'changeConsentStatus',
        kind: 'consent',
        ...(record.customerId !== null ? { customerId: record.customerId } : {}),
        ...(record.accountIds.length > 0 ? { accountIds: [...record.accountIds] } : {}),
        outcome: record.status,
        from: 'journeys:consents',
        consentId: record.id,
        ...(previousStatus !== undefined ? { previousStatus } : {}),
      });
    } catch (err) {
      // The change is made; its event could not be stored. Logged (the audit's own alerting watches these).
      this.logger.error({ err, consentId: record.id, status: record.status }, 'could not audit a consent change');
    }
  }
}

/** What travels in a principal (and so in the signed context to the subgraphs): only for a consent with a customer. */
export function principalConsentOf(record: ConsentRecord): Consent {
  if (record.customerId === null) throw new Error(`consent ${record.id} has no customer yet`);
  return {
    id: record.id,
    kind: record.kind,
    customerId: record.customerId,
    accountIds: [...record.accountIds],
    expiresAt: record.expiresAt,
    permissions: [...record.permissions],
    transactionFrom: record.transactionFrom,
    transactionTo: record.transactionTo,
    payment: record.payment,
  };
}

function newRecord(input: NewConsent, now: Date): ConsentRecord {
  const at = now.toISOString();
  const customerId = input.customerId ?? null;
  const kind = input.kind ?? 'account-access';
  return {
    id: input.id,
    kind,
    partner: input.partner,
    status: input.status ?? (customerId !== null ? 'Authorised' : 'AwaitingAuthorisation'),
    statusUpdatedAt: at,
    createdAt: at,
    customerId,
    permissions: [...(input.permissions ?? [])],
    requestedAccountIds: input.requestedAccountIds ? [...input.requestedAccountIds] : null,
    accountIds: [...(input.accountIds ?? [])],
    expiresAt: input.expiresAt ?? null,
    transactionFrom: input.transactionFrom ?? null,
    transactionTo: input.transactionTo ?? null,
    frequencyPerDay: input.frequencyPerDay ?? DEFAULT_FREQUENCY_PER_DAY,
    recurringIndicator: kind === 'payment' ? false : (input.recurringIndicator ?? true),
    payment: input.payment ?? null,
    consumedBy: null,
  };
}

/**
 * A stored consent, also one written before issue 13 (`scopes`, `revokedAt`, no status): read as Authorised, or
 * Revoked when it had been revoked.
 */
function fromStored(raw: string): ConsentRecord {
  const r = JSON.parse(raw) as ConsentRecord | PreIssue13Consent;
  if ('status' in r && 'kind' in r) return r;
  const old = r as PreIssue13Consent;
  const record = newRecord({ ...old, permissions: old.scopes, status: 'Authorised' }, new Date(0));
  return old.revokedAt ? { ...record, status: 'Revoked', statusUpdatedAt: old.revokedAt } : record;
}

/** What a consent record held before issue 13. */
interface PreIssue13Consent {
  readonly id: string;
  readonly partner: string;
  readonly customerId: string;
  readonly accountIds: readonly string[];
  readonly scopes: readonly Scope[];
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function keyOf(id: string): string {
  return `consent:${id}`;
}
const customerIndex = (customerId: string) => `consents-of-customer:${customerId}`;
const partnerIndex = (partner: string) => `consents-of-partner:${partner}`;
const accessKey = (id: string, day: string) => `consent-accesses:${id}:${day}`;
const absentKey = (id: string, day: string) => `consent-accesses:${id}:${day}:absent`;
const lastAccessKey = (id: string) => `consent-last-access:${id}`;

// ---------------------------------------------------------------------------------------------------------------
// Sandbox consents

/** The consent id the token script puts in a partner's token unless `--consent` names another. */
export const SANDBOX_CONSENT_IDS: Readonly<Record<string, string>> = {
  'budget-app': 'consent-budget-cust-0001',
  'payroll-app': 'consent-payroll-cust-0001',
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** The sandbox's consents, as given already (Authorised) by cust-0001. */
export function sandboxConsents(partners: PartnerRegistry, now: Date = new Date()): NewConsent[] {
  const expiresAt = new Date(now.getTime() + 90 * DAY_MS).toISOString();
  return [
    {
      id: 'consent-budget-cust-0001',
      partner: 'budget-app',
      status: 'Authorised',
      customerId: 'cust-0001',
      accountIds: ['acc-5001', 'acc-5002'],
      permissions: [...(partners.get('budget-app')?.scopes ?? [])],
      expiresAt,
    },
    {
      id: 'consent-payroll-cust-0001',
      partner: 'payroll-app',
      status: 'Authorised',
      customerId: 'cust-0001',
      accountIds: ['acc-5001'],
      permissions: ['payments:initiate', 'accounts:basic'],
      expiresAt,
    },
  ];
}

/** Creates the sandbox consents that are not in the store yet (a revoked one stays revoked across restarts). */
export async function seedSandboxConsents(consents: ConsentStore, partners: PartnerRegistry, now?: Date): Promise<void> {
  for (const consent of sandboxConsents(partners, now)) await consents.create(consent, 'system:sandbox-seed');
}
