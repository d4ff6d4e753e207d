import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffMs } from '../../../subgraphs/journeys/engine/context.js';
import { canonicalJson, compactReference, journeyIdOf, requestHashOf } from '../../../subgraphs/journeys/engine/ids.js';
import { DEFAULT_COMPENSATE_RETRY } from '../../../subgraphs/journeys/engine/record.js';
import { newJourneyRecord, withStep } from '../../../subgraphs/journeys/engine/record.js';
import { JourneyNotFound, JourneyStore } from '../../../subgraphs/journeys/engine/store.js';
import type { JourneyRecord } from '../../../subgraphs/journeys/engine/types.js';
import { CUSTOMER, Ledger, ledgerStep, newKey, STORES, toyFlow, type StoreUnderTest } from './fixtures.js';

describe('journey ids and request hashes', () => {
  it('derive the id from the principal identity and the key: jrn_ + base32 of SHA-256 (160 bits)', () => {
    const id = journeyIdOf(CUSTOMER, 'key-1');
    const digest = createHash('sha256').update('customer:cust-0001\nkey-1').digest();
    expect(id).toMatch(/^jrn_[a-z2-7]{32}$/);
    expect(base32Decode(id.slice(4))).toEqual(digest.subarray(0, 20));
    expect(journeyIdOf(CUSTOMER, 'key-1')).toBe(id);
    expect(journeyIdOf(CUSTOMER, 'key-2')).not.toBe(id);
    expect(journeyIdOf({ kind: 'partner', clientId: 'cust-0001', scopes: [], consent: null }, 'key-1')).not.toBe(id);
    const staff = journeyIdOf({ kind: 'staff', staffId: 's-1', role: 'operations' }, 'k');
    expect(base32Decode(staff.slice(4))).toEqual(createHash('sha256').update('staff:operations:s-1\nk').digest().subarray(0, 20));
  });

  it('hash the canonical JSON of {type, input}: key order does not matter, content and type do', () => {
    const a = requestHashOf('PAY', { amount: { minor: 100, currency: 'EUR' }, to: 'x' });
    const b = requestHashOf('PAY', { to: 'x', amount: { currency: 'EUR', minor: 100 } });
    expect(a).toBe(b);
    expect(a).toBe(createHash('sha256').update('{"input":{"amount":{"currency":"EUR","minor":100},"to":"x"},"type":"PAY"}').digest('hex'));
    expect(requestHashOf('PAY', { amount: { minor: 101, currency: 'EUR' }, to: 'x' })).not.toBe(a);
    expect(requestHashOf('CONVERT', { amount: { minor: 100, currency: 'EUR' }, to: 'x' })).not.toBe(a);
  });

  it('refuse what JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ amount: Number.NaN })).toThrow(/\$\.amount is NaN/);
    expect(() => canonicalJson({ amount: 10n })).toThrow(/bigint/);
    expect(() => canonicalJson({ at: new Map() })).toThrow(/Map/);
    expect(canonicalJson({ b: undefined, a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
  });

  it('compact long references deterministically to fit short legacy fields', () => {
    const long = `${journeyIdOf(CUSTOMER, 'k')}.debitSourceAccount.undo`;
    expect(compactReference('short.ref')).toBe('short.ref');
    expect(compactReference(long)).toHaveLength(35);
    expect(compactReference(long)).toBe(compactReference(long));
    expect(compactReference(long)).not.toBe(compactReference(`${long}x`));
  });
});

describe('backoff', () => {
  it('full jitter stays under the doubling ceiling; equal jitter keeps at least half of it', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    for (let i = 0; i < 200; i++) {
      expect(backoffMs(policy, 1)).toBeLessThan(100);
      expect(backoffMs(policy, 3)).toBeLessThan(400);
      expect(backoffMs(policy, 9)).toBeLessThan(1000);
      expect(backoffMs(policy, 3, 'equal')).toBeGreaterThanOrEqual(200);
      expect(backoffMs(policy, 3, 'equal')).toBeLessThan(400);
    }
  });

  it('the default compensation retries wait longer in all than a connector breaker stays open (5 s)', () => {
    let least = 0;
    for (let n = 1; n < DEFAULT_COMPENSATE_RETRY.maxAttempts; n++) {
      least += Math.min(DEFAULT_COMPENSATE_RETRY.maxDelayMs, DEFAULT_COMPENSATE_RETRY.baseDelayMs * 2 ** (n - 1)) / 2;
    }
    expect(least).toBeGreaterThan(5_000);
  });
});

describe.each(STORES)('JourneyStore on the $name store', (kind) => {
  let store: StoreUnderTest;
  let journeys: JourneyStore;
  beforeAll(async () => {
    store = await kind.make();
    journeys = new JourneyStore(store.kv);
  });
  afterAll(async () => {
    await store.cleanup();
  });
  const flow = toyFlow([ledgerStep(new Ledger(), 'openAccount')]);
  const fresh = (): JourneyRecord =>
    newJourneyRecord({
      id: journeyIdOf(CUSTOMER, newKey()),
      flow,
      principal: CUSTOMER,
      customerId: 'cust-0001',
      idempotencyKey: 'k',
      requestHash: 'h',
      input: { amount: 1 },
      owner: 'w',
      leaseMs: 1000,
    });

  it('refuses a retention shorter than 24 h: idempotency must hold at least that long', () => {
    expect(() => new JourneyStore(store.kv, { retentionMs: 23 * 3600_000 })).toThrow(/at least 24 h/);
    expect(new JourneyStore(store.kv, { retentionMs: 24 * 3600_000 }).retentionMs).toBe(24 * 3600_000);
  });

  it('creates once (setIfAbsent), indexes active and customer journeys, without a TTL while running', async () => {
    const record = fresh();
    expect(await journeys.create(record)).toBe(true);
    expect(await journeys.create({ ...record, input: { amount: 2 } })).toBe(false);
    expect((await journeys.get(record.id))!.input).toEqual({ amount: 1 });
    expect(await store.kv.setMembers('journeys:active')).toContain(record.id);
    expect(await store.kv.setMembers('journeys:customer:cust-0001')).toContain(record.id);
    expect(await store.kv.ttlMs(`journey:${record.id}`)).toBeNull();
  });

  it('writes by compare-and-set: 40 concurrent writers each re-read and re-decide, none is lost', async () => {
    const record = fresh();
    await journeys.create(record);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        journeys.update(record.id, (r) => ({ ...r, state: { ...r.state, [`w${i}`]: i } })),
      ),
    );
    const after = (await journeys.get(record.id))!;
    expect(Object.keys(after.state)).toHaveLength(40);
    expect(after.version).toBe(41);
  });

  it('a declined decision writes nothing; a missing record is an error', async () => {
    const record = fresh();
    await journeys.create(record);
    const outcome = await journeys.update(record.id, () => null);
    expect(outcome.written).toBe(false);
    expect((await journeys.get(record.id))!.version).toBe(1);
    await expect(journeys.update('jrn_missing', (r) => r)).rejects.toBeInstanceOf(JourneyNotFound);
  });

  it('a terminal record is kept forever by default (or gets a configured retention TTL) and leaves the active index', async () => {
    const record = fresh();
    await journeys.create(record);
    await journeys.update(record.id, (r) => ({ ...withStep(r, 'openAccount', { status: 'SUCCEEDED' }), status: 'COMPLETED', lease: null }));
    expect(await store.kv.ttlMs(`journey:${record.id}`)).toBeNull();
    expect(await store.kv.setMembers('journeys:active')).not.toContain(record.id);

    const archiving = new JourneyStore(store.kv, { retentionMs: 7 * 24 * 3600_000 });
    const other = { ...fresh(), id: `${record.id}x` };
    await archiving.create(other);
    await archiving.update(other.id, (r) => ({ ...r, status: 'COMPLETED', lease: null }));
    const ttl = await store.kv.ttlMs(`journey:${other.id}`);
    expect(ttl).toBeGreaterThan(6.9 * 24 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600_000);
  });
});

function base32Decode(text: string): Buffer {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = '';
  for (const ch of text) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
