import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, RateLimiter, parseLimit, rateLimitConfig, type RateLimitConfig } from '../../lib/rate-limit.js';
import type { Principal } from '../../lib/principal.js';
import { MemoryStore } from '../../lib/store/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bankgraph-rate-limit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const NO_PARTNERS = { PARTNERS_PATH: '/nonexistent/partners.json' };
const ada: Principal = { kind: 'customer', customerId: 'cust-0001' };
const budgetApp: Principal = { kind: 'partner', clientId: 'budget-app', scopes: [], consent: null };

describe('rateLimitConfig', () => {
  it('defaults: customers 20/10, staff 50/25, partners 10/5, on', () => {
    const config = rateLimitConfig(NO_PARTNERS);
    expect(config).toEqual({
      enabled: true,
      customer: { capacity: 20, refillPerSecond: 10 },
      staff: { capacity: 50, refillPerSecond: 25 },
      partner: { capacity: 10, refillPerSecond: 5 },
      partners: {},
      operations: {},
    });
    expect(config.customer).toEqual(DEFAULT_LIMITS.customer);
  });

  it('reads the environment', () => {
    const config = rateLimitConfig({
      ...NO_PARTNERS,
      RATE_LIMIT_ENABLED: 'false',
      RATE_LIMIT_CUSTOMER: '5/2.5',
      RATE_LIMIT_STAFF: '100/50',
      RATE_LIMIT_PARTNER: '3/1',
      RATE_LIMIT_OPERATIONS: '{"sendInternationalPayment": "2/0.1"}',
    });
    expect(config.enabled).toBe(false);
    expect(config.customer).toEqual({ capacity: 5, refillPerSecond: 2.5 });
    expect(config.staff).toEqual({ capacity: 100, refillPerSecond: 50 });
    expect(config.partner).toEqual({ capacity: 3, refillPerSecond: 1 });
    expect(config.operations).toEqual({ sendInternationalPayment: { capacity: 2, refillPerSecond: 0.1 } });
    expect(() => rateLimitConfig({ RATE_LIMIT_OPERATIONS: '{"__proto__x y": "1/1"}' })).toThrow(/not a root field name/);
  });

  it('refuses malformed values, saying what it expected', () => {
    expect(() => parseLimit('RATE_LIMIT_CUSTOMER', '20')).toThrow(/"<capacity>\/<refill per second>".*got "20"/);
    expect(() => parseLimit('RATE_LIMIT_CUSTOMER', '0/1')).toThrow(/above 0/);
    expect(() => parseLimit('RATE_LIMIT_CUSTOMER', '5/0')).toThrow(/above 0/);
    expect(() => rateLimitConfig({ ...NO_PARTNERS, RATE_LIMIT_ENABLED: 'maybe' })).toThrow(/true or false/);
    expect(() => rateLimitConfig({ ...NO_PARTNERS, RATE_LIMIT_OPERATIONS: '[1]' })).toThrow(/JSON object/);
    expect(() => rateLimitConfig({ ...NO_PARTNERS, RATE_LIMIT_OPERATIONS: '{nope' })).toThrow(/must be JSON/);
  });

  it("takes each partner's rateLimit from partners.json when it exists", async () => {
    const path = join(dir, 'partners.json');
    await writeFile(
      path,
      JSON.stringify({
        'budget-app': { scopes: ['accounts:read'], rateLimit: { capacity: 30, refillPerSecond: 3 } },
        'payroll-app': { scopes: ['accounts:read'] },
      }),
    );
    const config = rateLimitConfig({ PARTNERS_PATH: path });
    expect(config.partners).toEqual({ 'budget-app': { capacity: 30, refillPerSecond: 3 } });
    const limiter = new RateLimiter(new MemoryStore(), config);
    expect(limiter.limitOf(budgetApp)).toEqual({ capacity: 30, refillPerSecond: 3 });
    expect(limiter.limitOf({ ...budgetApp, clientId: 'payroll-app' })).toEqual(DEFAULT_LIMITS.partner);
  });

  it('refuses a partners.json with a malformed rateLimit', async () => {
    const path = join(dir, 'bad-partners.json');
    await writeFile(path, JSON.stringify({ 'budget-app': { rateLimit: { capacity: 0, refillPerSecond: 1 } } }));
    expect(() => rateLimitConfig({ PARTNERS_PATH: path })).toThrow(/budget-app\.rateLimit must be/);
  });
});

describe('RateLimiter', () => {
  const config = (overrides: Partial<RateLimitConfig> = {}): RateLimitConfig => ({
    ...rateLimitConfig(NO_PARTNERS),
    customer: { capacity: 3, refillPerSecond: 1 },
    ...overrides,
  });

  it('shares the principal bucket across operations and refuses with whole seconds to wait', async () => {
    const store = new MemoryStore();
    const limiter = new RateLimiter(store, config());
    const decisions = [];
    for (const op of ['me', 'journey', 'me', 'journey']) decisions.push(await limiter.take(ada, [op]));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]).toEqual({ allowed: false, bucket: 'principal', retryAfterSeconds: 1 });
    // Another customer has their own bucket.
    expect(await limiter.take({ kind: 'customer', customerId: 'cust-0002' }, ['me'])).toEqual({ allowed: true });
  });

  it('limits a root field on its own, before it spends the principal bucket', async () => {
    const store = new MemoryStore();
    const limiter = new RateLimiter(store, config({ operations: { sendInternationalPayment: { capacity: 1, refillPerSecond: 0.1 } } }));
    expect(await limiter.take(ada, ['sendInternationalPayment'])).toEqual({ allowed: true });
    expect(await limiter.take(ada, ['sendInternationalPayment'])).toEqual({
      allowed: false,
      bucket: 'operation',
      field: 'sendInternationalPayment',
      retryAfterSeconds: 10,
    });
    // The refused payment did not cost a token of the principal bucket: two more calls fit.
    expect(await limiter.take(ada, ['me'])).toEqual({ allowed: true });
    expect(await limiter.take(ada, [])).toEqual({ allowed: true });
    expect((await limiter.take(ada, ['me'])).allowed).toBe(false);
    // Unconfigured fields have no bucket of their own: client input creates no keys.
    expect(await store.get('rl:customer:cust-0001:field:me')).toBeNull();
  });

  it('is not switched off by root fields named like Object.prototype members', async () => {
    const store = new MemoryStore();
    const limiter = new RateLimiter(store, config({ customer: { capacity: 2, refillPerSecond: 0.1 } }));
    const names = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];
    const decisions = [];
    for (const name of names) decisions.push(await limiter.take(ada, [name]));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(2);
  });

  it('allows everything when disabled, without touching the store', async () => {
    const store = new MemoryStore();
    const limiter = new RateLimiter(store, config({ enabled: false, customer: { capacity: 1, refillPerSecond: 0.1 } }));
    for (let i = 0; i < 5; i++) expect(await limiter.take(ada, ['me'])).toEqual({ allowed: true });
    expect(await store.get('rl:customer:cust-0001')).toBeNull();
  });
});
