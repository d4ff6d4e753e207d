import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventOfFields, MemoryAuditSink, RedisStreamAuditSink } from '../../../lib/audit.js';
import {
  CONSENT_STATUSES,
  CONSENT_TRANSITIONS,
  ConsentStore,
  canTransition,
  effectiveStatus,
  loadPartners,
  parsePartners,
  seedSandboxConsents,
  type ConsentRecord,
  type ConsentStatus,
  type NewConsent,
} from '../../../lib/consents.js';
import { ErrorCode } from '../../../lib/errors.js';
import { MemoryStore, RedisStore, type KeyValueStore } from '../../../lib/store/index.js';
import { requireRedis, uniquePrefix } from '../../support/redis.js';

/**
 * The consent registry's lifecycle (lib/consents.ts) on both stores: every allowed transition and every refused one
 * (CONSENT_STATE_CONFLICT, nothing changed), an audit event for each change, Expired derived from expiresAt, the
 * indexes by customer and partner, and the per-day access count with its customer-absent limit.
 */

const DAY = 24 * 3_600_000;

class Clock {
  constructor(public ms: number) {}
  now = () => new Date(this.ms);
}

const stores: [string, () => Promise<KeyValueStore>][] = [
  ['memory', async () => new MemoryStore()],
  ['redis', async () => new RedisStore(await requireRedis(), { prefix: uniquePrefix('consents-lifecycle') })],
];

describe.each(stores)('consent lifecycle on the %s store', (_name, open) => {
  let store: KeyValueStore;
  let n = 0;
  const clock = new Clock(Date.parse('2030-03-10T10:00:00.000Z'));
  const audit = new MemoryAuditSink();
  let consents: ConsentStore;
  beforeAll(async () => {
    store = await open();
    consents = new ConsentStore(store, { audit, now: clock.now });
  });
  afterAll(() => store?.close());

  const base = (over: Partial<NewConsent> = {}): NewConsent => ({
    id: `aac-test-${++n}`,
    partner: 'budget-app',
    permissions: ['accounts:basic', 'balances:read'],
    expiresAt: new Date(clock.ms + 30 * DAY).toISOString(),
    ...over,
  });
  /** A consent brought to `status` through allowed transitions only. */
  async function consentIn(status: ConsentStatus, kind: 'account-access' | 'payment' = 'account-access'): Promise<ConsentRecord> {
    const input = base({ kind, ...(kind === 'payment' ? { id: `pdc-test-${++n}` } : {}) });
    await consents.create(input);
    const id = input.id;
    switch (status) {
      case 'AwaitingAuthorisation':
        break;
      case 'Authorised':
        await consents.authorise(id, 'cust-0001', ['acc-5001'], 'authorisation-server:cust-0001');
        break;
      case 'Rejected':
        await consents.reject(id, 'authorisation-server:cust-0001');
        break;
      case 'Revoked':
        await consents.authorise(id, 'cust-0001', ['acc-5001'], 'authorisation-server:cust-0001');
        await consents.revoke(id, 'customer:cust-0001');
        break;
      case 'Consumed':
        await consents.authorise(id, 'cust-0001', ['acc-5001'], 'authorisation-server:cust-0001');
        await consents.consume(id, 'jrn_test', 'partner:payroll-app');
        break;
      case 'Expired': {
        // Created with a short expiry, read after it.
        const short = base({ expiresAt: new Date(clock.ms + 1000).toISOString() });
        await consents.create(short);
        clock.ms += 2000;
        const expired = await consents.get(short.id);
        expect(expired?.status).toBe('Expired');
        return expired!;
      }
    }
    const record = await consents.get(id);
    expect(record?.status).toBe(status);
    return record!;
  }

  /** Tries one transition with the store's own operation for it. */
  async function attempt(record: ConsentRecord, to: ConsentStatus): Promise<ConsentRecord> {
    switch (to) {
      case 'Authorised':
        return consents.authorise(record.id, 'cust-0001', ['acc-5001'], 'authorisation-server:cust-0001');
      case 'Rejected':
        return consents.reject(record.id, 'authorisation-server:cust-0001');
      case 'Revoked': {
        const revoked = await consents.revoke(record.id, 'customer:cust-0001');
        if (!revoked) throw new Error('unknown');
        return revoked;
      }
      case 'Consumed':
        return consents.consume(record.id, `jrn_other_${++n}`, 'partner:payroll-app');
      case 'Expired':
      case 'AwaitingAuthorisation':
        throw new Error(`no operation moves a consent to ${to}`);
    }
  }

  it('creates a partner request AwaitingAuthorisation with no customer, and audits the creation', async () => {
    const created = await consents.request({ kind: 'account-access', partner: 'budget-app', permissions: ['accounts:basic'] }, 'partner:budget-app');
    expect(created).toMatchObject({ status: 'AwaitingAuthorisation', customerId: null, accountIds: [], frequencyPerDay: 4, recurringIndicator: true, consumedBy: null });
    expect(created.id).toMatch(/^aac-[0-9a-f-]{36}$/);
    const payment = await consents.request({ kind: 'payment', partner: 'payroll-app', permissions: ['payments:initiate'] }, 'partner:payroll-app');
    expect(payment.id).toMatch(/^pdc-[0-9a-f-]{36}$/);
    expect(payment.recurringIndicator).toBe(false);
    expect(audit.events.find((e) => e.consentId === created.id)).toMatchObject({ kind: 'consent', who: 'partner:budget-app', outcome: 'AwaitingAuthorisation', operation: 'createConsent' });
  });

  const targets: ConsentStatus[] = ['Authorised', 'Rejected', 'Revoked', 'Consumed'];
  for (const from of CONSENT_STATUSES) {
    for (const to of targets) {
      for (const kind of ['account-access', 'payment'] as const) {
        if (from === 'Consumed' && kind !== 'payment') continue; // only a payment consent is ever Consumed
        const allowed = canTransition(kind, from, to);
        it(`${allowed ? 'moves' : 'refuses to move'} a${kind === 'payment' ? ' payment' : 'n account-access'} consent from ${from} to ${to}`, async () => {
          const record = await consentIn(from, kind);
          const before = audit.events.length;
          if (allowed) {
            const after = await attempt(record, to);
            expect(after.status).toBe(to);
            expect((await consents.get(record.id))?.status).toBe(to);
            const event = audit.events.at(-1);
            expect(audit.events.length).toBe(before + 1);
            expect(event).toMatchObject({ kind: 'consent', consentId: record.id, previousStatus: from, outcome: to, at: new Date(clock.ms).toISOString() });
            expect(event?.who).toMatch(/^(authorisation-server:cust-0001|customer:cust-0001|partner:payroll-app)$/);
          } else {
            const raw = JSON.stringify(await consents.get(record.id));
            // Spending a spent consent again on another journey says so more precisely.
            const code = from === 'Consumed' && to === 'Consumed' ? ErrorCode.CONSENT_CONSUMED : ErrorCode.CONSENT_STATE_CONFLICT;
            await expect(attempt(record, to)).rejects.toMatchObject({ code });
            expect(JSON.stringify(await consents.get(record.id))).toBe(raw);
            expect(audit.events.length).toBe(before);
          }
        });
      }
    }
  }

  it('knows the transitions of the contract and nothing else', () => {
    expect(CONSENT_TRANSITIONS).toEqual({
      AwaitingAuthorisation: ['Authorised', 'Rejected', 'Expired'],
      Authorised: ['Revoked', 'Expired', 'Consumed'],
      Rejected: [],
      Revoked: [],
      Expired: [],
      Consumed: [],
    });
    expect(canTransition('account-access', 'Authorised', 'Consumed')).toBe(false);
  });

  it('withdraws for the partner: AwaitingAuthorisation → Rejected, Authorised → Revoked, and then refuses', async () => {
    const waiting = await consentIn('AwaitingAuthorisation');
    expect((await consents.withdraw(waiting.id, 'partner:budget-app')).status).toBe('Rejected');
    const authorised = await consentIn('Authorised');
    expect((await consents.withdraw(authorised.id, 'partner:budget-app')).status).toBe('Revoked');
    await expect(consents.withdraw(authorised.id, 'partner:budget-app')).rejects.toMatchObject({ code: ErrorCode.CONSENT_STATE_CONFLICT });
    await expect(consents.withdraw('aac-unknown', 'partner:budget-app')).rejects.toMatchObject({ code: ErrorCode.CONSENT_NOT_FOUND });
    expect(await consents.revoke('aac-unknown')).toBeNull();
  });

  it('derives Expired from expiresAt for AwaitingAuthorisation and Authorised, writes it once with its audit event, and refuses changes after', async () => {
    const input = base({ expiresAt: new Date(clock.ms + 60_000).toISOString() });
    await consents.create(input);
    await consents.authorise(input.id, 'cust-0001', ['acc-5001'], 'authorisation-server:cust-0001');
    expect((await consents.get(input.id))?.status).toBe('Authorised');
    expect(consents.standing(await consents.get(input.id), 'budget-app')).toBe('live');
    clock.ms += 61_000;
    const before = audit.events.length;
    expect((await consents.get(input.id))?.status).toBe('Expired');
    expect((await consents.get(input.id))?.status).toBe('Expired');
    expect(audit.events.slice(before)).toEqual([expect.objectContaining({ consentId: input.id, previousStatus: 'Authorised', outcome: 'Expired', who: 'system:expiry' })]);
    await expect(consents.revoke(input.id, 'customer:cust-0001')).rejects.toMatchObject({ code: ErrorCode.CONSENT_STATE_CONFLICT });
    expect(consents.standing(await consents.get(input.id), 'budget-app')).toBe('expired');

    // Never for a final status, nor without an expiry.
    expect(effectiveStatus({ status: 'Revoked', expiresAt: new Date(0).toISOString() }, clock.ms)).toBe('Revoked');
    expect(effectiveStatus({ status: 'Authorised', expiresAt: null }, clock.ms)).toBe('Authorised');
    expect(effectiveStatus({ status: 'AwaitingAuthorisation', expiresAt: new Date(clock.ms - 1).toISOString() }, clock.ms)).toBe('Expired');
  });

  it('spends a payment consent once: the same journey again is the same record, another journey is CONSENT_CONSUMED', async () => {
    const consent = await consentIn('Authorised', 'payment');
    const spent = await consents.consume(consent.id, 'jrn_a', 'partner:payroll-app');
    expect(spent).toMatchObject({ status: 'Consumed', consumedBy: 'jrn_a' });
    expect(await consents.consume(consent.id, 'jrn_a', 'partner:payroll-app')).toMatchObject({ status: 'Consumed', consumedBy: 'jrn_a' });
    await expect(consents.consume(consent.id, 'jrn_b', 'partner:payroll-app')).rejects.toMatchObject({ code: ErrorCode.CONSENT_CONSUMED });
    // Concurrently, exactly one of many journeys spends it.
    const fresh = await consentIn('Authorised', 'payment');
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => consents.consume(fresh.id, `jrn_${i}`, 'partner:payroll-app')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('lists by customer and by partner, newest first, from its indexes', async () => {
    const a = base({ partner: 'budget-app' });
    const b = base({ partner: 'payroll-app', permissions: ['payments:initiate'] });
    await consents.create(a);
    clock.ms += 1000;
    await consents.create(b);
    await consents.authorise(a.id, 'cust-0009', ['acc-9'], 'authorisation-server:cust-0009');
    clock.ms += 1000;
    await consents.authorise(b.id, 'cust-0009', ['acc-9'], 'authorisation-server:cust-0009');
    expect((await consents.listByCustomer('cust-0009')).map((c) => c.id)).toEqual([b.id, a.id]);
    expect((await consents.listByPartner('payroll-app')).map((c) => c.id)).toContain(b.id);
    expect((await consents.listByPartner('payroll-app')).map((c) => c.id)).not.toContain(a.id);
    expect(await consents.listByCustomer('cust-nobody')).toEqual([]);
  });

  it('counts accesses per UTC day; without the customer at most frequencyPerDay, the refused one counting nothing', async () => {
    const input = base({ frequencyPerDay: 2 });
    await consents.create(input);
    await consents.authorise(input.id, 'cust-0001', ['acc-5001'], 'authorisation-server:cust-0001');
    const one = await consents.recordAccess(input.id, 'budget-app', false);
    expect(one).toMatchObject({ standing: 'live', accessesToday: 1, consent: { id: input.id, customerId: 'cust-0001', kind: 'account-access', permissions: ['accounts:basic', 'balances:read'] } });
    expect((await consents.recordAccess(input.id, 'budget-app', false)).accessesToday).toBe(2);
    expect(await consents.recordAccess(input.id, 'budget-app', false)).toEqual({ standing: 'frequency-exceeded', consent: null, accessesToday: 2 });
    // The customer present is not limited, and counts.
    expect(await consents.recordAccess(input.id, 'budget-app', true)).toMatchObject({ standing: 'live', accessesToday: 3 });
    expect(await consents.usage(input.id)).toEqual({ lastAccessAt: new Date(clock.ms).toISOString(), accessesToday: 3 });
    // A new UTC day starts afresh.
    clock.ms += DAY;
    expect(await consents.recordAccess(input.id, 'budget-app', false)).toMatchObject({ standing: 'live', accessesToday: 1 });
    // Another partner, an unknown id: nothing counted.
    expect(await consents.recordAccess(input.id, 'payroll-app', true)).toEqual({ standing: 'other-partner', consent: null, accessesToday: 1 });
    expect(await consents.recordAccess('aac-nothing', 'budget-app', true)).toEqual({ standing: 'missing', consent: null, accessesToday: 0 });
  });

  it('limits account access only: a payment consent not yet spent is let in however often the partner asks', async () => {
    const payment = await consentIn('Authorised', 'payment');
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await consents.recordAccess(payment.id, 'budget-app', false)).standing);
    expect(answers).toEqual(['live', 'live', 'live', 'live', 'live', 'live']);
  });

  it('reads the partner registry from PARTNERS_PATH when it is set, as every process must', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bankgraph-partners-'));
    const path = join(dir, 'partners.json');
    writeFileSync(path, JSON.stringify({ 'own-app': { name: 'Own App', scopes: ['accounts:basic'], rateLimit: { capacity: 5, refillPerSecond: 1 } } }));
    const before = process.env.PARTNERS_PATH;
    process.env.PARTNERS_PATH = path;
    try {
      expect([...loadPartners().keys()]).toEqual(['own-app']);
    } finally {
      if (before === undefined) delete process.env.PARTNERS_PATH;
      else process.env.PARTNERS_PATH = before;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(loadPartners().has('budget-app')).toBe(true);
  });

  it('answers each standing that is not live', async () => {
    const standing = async (status: ConsentStatus, kind: 'account-access' | 'payment' = 'account-access') =>
      (await consents.recordAccess((await consentIn(status, kind)).id, 'budget-app', true)).standing;
    expect(await standing('AwaitingAuthorisation')).toBe('awaiting-authorisation');
    expect(await standing('Rejected')).toBe('rejected');
    expect(await standing('Revoked')).toBe('revoked');
    expect(await standing('Expired')).toBe('expired');
    expect(await standing('Consumed', 'payment')).toBe('consumed');
  });

  it('seeds the sandbox consents Authorised, once (a revoked seed stays revoked)', async () => {
    const partners = loadPartners();
    await seedSandboxConsents(consents, partners, clock.now());
    expect(await consents.get('consent-budget-cust-0001')).toMatchObject({ status: 'Authorised', customerId: 'cust-0001', accountIds: ['acc-5001', 'acc-5002'] });
    await consents.revoke('consent-payroll-cust-0001', 'staff:operations:s-1');
    await seedSandboxConsents(consents, partners, clock.now());
    expect((await consents.get('consent-payroll-cust-0001'))?.status).toBe('Revoked');
  });

  it('reads a consent stored before issue 13 (scopes, revokedAt) as Authorised or Revoked', async () => {
    const old = { id: 'consent-old', partner: 'budget-app', customerId: 'cust-0001', accountIds: ['acc-5001'], scopes: ['accounts:basic'], expiresAt: new Date(clock.ms + DAY).toISOString(), revokedAt: null };
    await store.set('consent:consent-old', JSON.stringify(old));
    expect(await consents.get('consent-old')).toMatchObject({ status: 'Authorised', kind: 'account-access', permissions: ['accounts:basic'] });
    expect((await consents.revoke('consent-old', 'customer:cust-0001'))?.status).toBe('Revoked');
  });
});

describe('consent audit events in the Redis stream', () => {
  it('are appended with the consent, who, when, from and to', async () => {
    const url = await requireRedis();
    const prefix = uniquePrefix('consents-audit');
    const store = new RedisStore(url, { prefix });
    const sink = new RedisStreamAuditSink({ url, prefix });
    try {
      const consents = new ConsentStore(store, { audit: sink });
      await consents.create({ id: 'aac-audit-1', partner: 'budget-app', permissions: ['accounts:basic'] }, 'partner:budget-app');
      await consents.authorise('aac-audit-1', 'cust-0001', ['acc-5001'], 'authorisation-server:cust-0001');
      await consents.revoke('aac-audit-1', 'customer:cust-0001');
      const entries = (await sink.client.xrange(sink.stream, '-', '+')) as [string, string[]][];
      const events = entries.map(([, fields]) => eventOfFields(fields));
      expect(events.map((e) => [e.kind, e.consentId, e.who, e.previousStatus ?? null, e.outcome])).toEqual([
        ['consent', 'aac-audit-1', 'partner:budget-app', null, 'AwaitingAuthorisation'],
        ['consent', 'aac-audit-1', 'authorisation-server:cust-0001', 'AwaitingAuthorisation', 'Authorised'],
        ['consent', 'aac-audit-1', 'customer:cust-0001', 'Authorised', 'Revoked'],
      ]);
      expect(events.every((e) => Number.isFinite(Date.parse(e.at)))).toBe(true);
      expect(events[1]).toMatchObject({ customerId: 'cust-0001', accountIds: ['acc-5001'] });
    } finally {
      await sink.client.del(sink.stream);
      await sink.close();
      await store.close();
    }
  });
});

describe('partner registry', () => {
  it('takes an optional jwks per partner and refuses a malformed one', () => {
    const partner = { name: 'P', scopes: ['accounts:basic'], rateLimit: { capacity: 1, refillPerSecond: 1 } };
    const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'p-1' };
    expect(parsePartners({ p: { ...partner, jwks: { keys: [key] } } }).get('p')?.jwks).toEqual({ keys: [key] });
    expect(parsePartners({ p: partner }).get('p')?.jwks).toBeUndefined();
    expect(() => parsePartners({ p: { ...partner, jwks: { keys: 'no' } } })).toThrow(/jwks/);
    expect(loadPartners().get('budget-app')?.scopes).toContain('accounts:basic');
  });
});
