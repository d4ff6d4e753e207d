import { readFileSync } from 'node:fs';
import type { Consent } from './principal.js';
import { isScope, type Scope } from './scopes.js';
import type { KeyValueStore } from './store/index.js';

/**
 * Partners and the consents customers give them. A partner (schema/partners.json) is granted scopes once, when it
 * is registered; a consent binds one partner to one customer, the accounts that customer selected, the scopes the
 * customer agreed to and an expiry. Consents live in the KeyValueStore (Redis when REDIS_URL is set) so every gateway
 * sees a revocation at once: the gateway loads the consent on every request, it never trusts a copy in a token.
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
}

export type PartnerRegistry = ReadonlyMap<string, Partner>;

export const PARTNERS_PATH = new URL('../schema/partners.json', import.meta.url);

/** Reads and checks schema/partners.json (or another file of the same shape); throws saying what is wrong. */
export function loadPartners(path: URL | string = PARTNERS_PATH): PartnerRegistry {
  return parsePartners(JSON.parse(readFileSync(path, 'utf8')) as unknown, String(path));
}

export function parsePartners(raw: unknown, source = 'partners'): PartnerRegistry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${source}: expected an object of partners by client id`);
  }
  const partners = new Map<string, Partner>();
  for (const [clientId, value] of Object.entries(raw as Record<string, unknown>)) {
    const p = value as { name?: unknown; scopes?: unknown; rateLimit?: { capacity?: unknown; refillPerSecond?: unknown } };
    const scopes = Array.isArray(p.scopes) ? p.scopes : undefined;
    if (!scopes?.every((s): s is Scope => typeof s === 'string' && isScope(s))) {
      throw new Error(`${source}: partner "${clientId}" needs "scopes", a list of known scopes, got ${JSON.stringify(p.scopes)}`);
    }
    const capacity = p.rateLimit?.capacity;
    const refill = p.rateLimit?.refillPerSecond;
    if (typeof capacity !== 'number' || capacity <= 0 || typeof refill !== 'number' || refill <= 0) {
      throw new Error(`${source}: partner "${clientId}" needs "rateLimit": {capacity > 0, refillPerSecond > 0}`);
    }
    partners.set(clientId, {
      clientId,
      name: typeof p.name === 'string' ? p.name : clientId,
      scopes,
      rateLimit: { capacity, refillPerSecond: refill },
    });
  }
  return partners;
}

// ---------------------------------------------------------------------------------------------------------------
// Consents

export interface ConsentRecord {
  readonly id: string;
  /** The partner's client id. */
  readonly partner: string;
  readonly customerId: string;
  readonly accountIds: readonly string[];
  readonly scopes: readonly Scope[];
  /** ISO 8601 date-time. */
  readonly expiresAt: string;
  /** ISO 8601 date-time; null while the consent stands. */
  readonly revokedAt: string | null;
}

export type NewConsent = Omit<ConsentRecord, 'revokedAt'>;

/** Why a consent does not let a partner in (or 'live' when it does). */
export type ConsentStanding = 'live' | 'missing' | 'revoked' | 'expired' | 'other-partner';

/** Where consents are kept: `consent:<id>` in the KeyValueStore, as JSON. */
export class ConsentStore {
  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(id: string): Promise<ConsentRecord | null> {
    const raw = await this.store.get(keyOf(id));
    return raw === null ? null : (JSON.parse(raw) as ConsentRecord);
  }

  /** Stores a new consent; false when one with this id exists already (it is left as it was). */
  async create(consent: NewConsent): Promise<boolean> {
    return this.store.setIfAbsent(keyOf(consent.id), JSON.stringify({ ...consent, revokedAt: null }));
  }

  /** Revokes a consent for good; returns the revoked record (null when unknown). Revoking twice keeps the first time. */
  async revoke(id: string): Promise<ConsentRecord | null> {
    for (;;) {
      const raw = await this.store.get(keyOf(id));
      if (raw === null) return null;
      const current = JSON.parse(raw) as ConsentRecord;
      if (current.revokedAt) return current;
      const revoked: ConsentRecord = { ...current, revokedAt: this.now().toISOString() };
      if (await this.store.compareAndSet(keyOf(id), raw, JSON.stringify(revoked))) return revoked;
    }
  }

  /** Whether this consent lets this partner in now. */
  standing(consent: ConsentRecord | null, partner: string): ConsentStanding {
    if (!consent) return 'missing';
    if (consent.partner !== partner) return 'other-partner';
    if (consent.revokedAt) return 'revoked';
    if (Date.parse(consent.expiresAt) <= this.now().getTime()) return 'expired';
    return 'live';
  }

  /** The consent as a principal carries it, or null unless it is live for this partner. */
  async liveFor(id: string, partner: string): Promise<ConsentRecord | null> {
    const consent = await this.get(id);
    return this.standing(consent, partner) === 'live' ? consent : null;
  }
}

/** What travels in a principal (and so in the signed context to the subgraphs). */
export function principalConsentOf(record: ConsentRecord): Consent {
  return { id: record.id, customerId: record.customerId, accountIds: [...record.accountIds], expiresAt: record.expiresAt };
}

function keyOf(id: string): string {
  return `consent:${id}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Sandbox consents

/** The consent id the token script puts in a partner's token unless `--consent` names another. */
export const SANDBOX_CONSENT_IDS: Readonly<Record<string, string>> = {
  'budget-app': 'consent-budget-cust-0001',
  'payroll-app': 'consent-payroll-cust-0001',
};

const DAY_MS = 24 * 60 * 60 * 1000;

export function sandboxConsents(partners: PartnerRegistry, now: Date = new Date()): NewConsent[] {
  const expiresAt = new Date(now.getTime() + 90 * DAY_MS).toISOString();
  return [
    {
      id: 'consent-budget-cust-0001',
      partner: 'budget-app',
      customerId: 'cust-0001',
      accountIds: ['acc-5001', 'acc-5002'],
      scopes: [...(partners.get('budget-app')?.scopes ?? [])],
      expiresAt,
    },
    {
      id: 'consent-payroll-cust-0001',
      partner: 'payroll-app',
      customerId: 'cust-0001',
      accountIds: ['acc-5001'],
      scopes: ['payments:initiate', 'accounts:basic'],
      expiresAt,
    },
  ];
}

/** Creates the sandbox consents that are not in the store yet (a revoked one stays revoked across restarts). */
export async function seedSandboxConsents(consents: ConsentStore, partners: PartnerRegistry, now?: Date): Promise<void> {
  for (const consent of sandboxConsents(partners, now)) await consents.create(consent);
}
