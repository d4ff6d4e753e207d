import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InternalContext } from '../../lib/context.js';
import { operationId } from '../../scripts/persisted.js';
import { accounts, cards } from './fixtures.js';
import { post, request, startConsentRegistry, startStack, tokenFor, type ConsentRegistryStandIn, type GraphQLReply, type Stack } from './helpers.js';

// The persisted-operation rules at the gateway, over the fixture subgraphs: which ids each caller may run, and the
// consent a partner acts under, asked of the consent registry (a stand-in for the journeys' route) on every request
// (revoked or expired: refused at once).

const ME = 'query Me {\n  me {\n    id\n    name\n  }\n}\n';
const ME_CARDS = 'query MeCards {\n  me {\n    id\n    cards {\n      last4\n    }\n  }\n}\n';
const CARD_COUNT = 'query CardCount {\n  cardCount\n}\n';
const IDS = { me: operationId(ME), meCards: operationId(ME_CARDS), cardCount: operationId(CARD_COUNT) };

let registry: ConsentRegistryStandIn;
let stack: Stack;
let dir: string;

const HOUR = 3_600_000;
const consentOf = (id: string, accountIds: string[], permissions: string[]) => ({
  id,
  customerId: 'cust-0001',
  accountIds,
  expiresAt: new Date(Date.now() + HOUR).toISOString(),
  permissions,
  transactionFrom: null,
  transactionTo: null,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bankgraph-persisted-'));
  const manifest = (...docs: string[]) => JSON.stringify(Object.fromEntries(docs.map((d) => [operationId(d), d])));
  await writeFile(join(dir, 'first-party.json'), manifest(ME));
  await writeFile(join(dir, 'budget-app.json'), manifest(ME_CARDS));
  await writeFile(join(dir, 'payroll-app.json'), manifest(CARD_COUNT));
  registry = await startConsentRegistry();
  registry.consents.set('consent-budget-cust-0001', {
    partner: 'budget-app',
    consent: consentOf('consent-budget-cust-0001', ['acc-5001', 'acc-5002'], ['accounts:basic', 'accounts:detail', 'balances:read', 'transactions:read', 'party:read']),
    frequencyPerDay: 1000,
  });
  registry.consents.set('consent-payroll-cust-0001', {
    partner: 'payroll-app',
    consent: consentOf('consent-payroll-cust-0001', ['acc-5001'], ['payments:initiate', 'accounts:basic']),
    frequencyPerDay: 1000,
  });
  stack = await startStack({ fixtures: [accounts, cards], gateway: { persistedDir: dir, consents: { url: registry.url } } });
});
afterAll(async () => {
  await stack?.stop();
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

const byId = (id: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: id } } });
const budgetToken = (consentId = 'consent-budget-cust-0001', scopes = ['accounts:basic', 'balances:read']) =>
  tokenFor({ partner: 'budget-app', scopes, consentId });

/** POSTs and returns the reply with the signed contexts the subgraphs received for it. */
async function run(body: Record<string, unknown>, token: string): Promise<{ reply: GraphQLReply; received: InternalContext[] }> {
  const before = stack.subgraphs.accounts!.received.length;
  const reply = await request(stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { reply, received: stack.subgraphs.accounts!.received.slice(before) };
}

function expectCode(reply: GraphQLReply, code: string, status = 400) {
  expect(reply.status).toBe(status);
  expect(reply.body.data).toBeUndefined();
  expect(reply.body.errors?.map((e) => e.extensions?.code)).toEqual([code]);
}

describe('persisted operations: partners', () => {
  it('runs an id of the partner\'s own manifest, with the consent as the registry has it and the granted scopes only', async () => {
    const token = await budgetToken(undefined, ['accounts:basic', 'balances:read', 'payments:initiate']);
    const { reply, received } = await run(byId(IDS.meCards), token);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ data: { me: { id: 'budget-app', cards: [] } } });
    expect(received).toHaveLength(1);
    expect(received[0]?.principal).toEqual({
      kind: 'partner',
      clientId: 'budget-app',
      scopes: ['accounts:basic', 'balances:read'], // payments:initiate is not budget-app's to ask for
      consent: {
        id: 'consent-budget-cust-0001',
        customerId: 'cust-0001',
        accountIds: ['acc-5001', 'acc-5002'],
        expiresAt: expect.any(String),
        permissions: ['accounts:basic', 'accounts:detail', 'balances:read', 'transactions:read', 'party:read'],
        transactionFrom: null,
        transactionTo: null,
      },
    });
  });

  it('refuses a persistedQuery of another version than 1, or not an object, with 400 BAD_REQUEST', async () => {
    const token = await budgetToken();
    for (const persistedQuery of [{ version: 2, sha256Hash: IDS.meCards }, { sha256Hash: IDS.meCards }, { version: '1', sha256Hash: IDS.meCards }, 'x', [1]]) {
      const { reply, received } = await run({ extensions: { persistedQuery } }, token);
      expectCode(reply, 'BAD_REQUEST');
      expect(reply.body.errors?.[0]?.message, JSON.stringify(persistedQuery)).toMatch(/^extensions\.persistedQuery/);
      expect(received).toHaveLength(0);
    }
  });

  it('refuses a version-1 persistedQuery without a usable sha256Hash with 400 BAD_REQUEST, for customers and partners alike', async () => {
    // Before, a customer's got Apollo's PERSISTED_QUERY_NOT_SUPPORTED ("PersistedQueryNotSupported"), which is not
    // one of our codes and is not true: the gateway does run persisted operations.
    const tokens = [await tokenFor({ customer: 'cust-0001' }), await budgetToken()];
    for (const token of tokens) {
      for (const persistedQuery of [{ version: 1 }, { version: 1, sha256Hash: '' }, { version: 1, sha256Hash: 7 }, { version: 1, sha256Hash: {} }]) {
        for (const body of [{ extensions: { persistedQuery } }, { query: ME, extensions: { persistedQuery } }]) {
          const { reply, received } = await run(body, token);
          const label = JSON.stringify(body);
          expect(reply.body.errors?.map((e) => e.extensions?.code), label).toEqual(['BAD_REQUEST']);
          expect(reply.body.errors?.[0]?.message, label).toMatch(/^extensions\.persistedQuery\.sha256Hash/);
          expect(reply.status, label).toBe(400);
          expect(received).toHaveLength(0);
        }
      }
    }
  });

  it('accepts the id as documentId too, and on GET', async () => {
    const token = await budgetToken();
    const { reply } = await run({ documentId: `sha256:${IDS.meCards}` }, token);
    expect(reply.body.data).toEqual({ me: { id: 'budget-app', cards: [] } });
    const extensions = encodeURIComponent(JSON.stringify(byId(IDS.meCards).extensions));
    const get = await request(`${stack.gateway.url}?extensions=${extensions}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(get.body.data).toEqual({ me: { id: 'budget-app', cards: [] } });
  });

  it('refuses a document from a partner, even its own persisted one, and a request with neither', async () => {
    const token = await budgetToken();
    expectCode((await run({ query: ME_CARDS }, token)).reply, 'PERSISTED_OPERATION_REQUIRED');
    expectCode((await run({ query: ME_CARDS, ...byId(IDS.meCards) }, token)).reply, 'PERSISTED_OPERATION_REQUIRED');
    expectCode((await run({}, token)).reply, 'PERSISTED_OPERATION_REQUIRED');
  });

  it("refuses another partner's id, a first-party id and an unknown id with PERSISTED_OPERATION_NOT_FOUND", async () => {
    const payroll = await tokenFor({ partner: 'payroll-app', scopes: ['accounts:basic'], consentId: 'consent-payroll-cust-0001' });
    const { reply, received } = await run(byId(IDS.meCards), payroll);
    expectCode(reply, 'PERSISTED_OPERATION_NOT_FOUND');
    expect(received).toEqual([]);
    expectCode((await run(byId(IDS.me), payroll)).reply, 'PERSISTED_OPERATION_NOT_FOUND');
    expectCode((await run(byId('0'.repeat(64)), await budgetToken())).reply, 'PERSISTED_OPERATION_NOT_FOUND');
  });

  it('sees a revoked consent at once: the next request is refused with CONSENT_REVOKED, nothing fetched', async () => {
    registry.consents.set('consent-to-revoke', { partner: 'budget-app', consent: consentOf('consent-to-revoke', ['acc-5001'], ['accounts:basic']) });
    const token = await budgetToken('consent-to-revoke');
    const first = await run(byId(IDS.meCards), token);
    expect(first.received[0]?.principal).toMatchObject({ consent: { id: 'consent-to-revoke' }, scopes: ['accounts:basic'] });
    registry.consents.get('consent-to-revoke')!.standing = 'revoked';
    const after = await run(byId(IDS.meCards), token);
    expectCode(after.reply, 'CONSENT_REVOKED', 403);
    expect(after.received).toEqual([]);
  });

  it("refuses an expired, unknown or another partner's consent, each with its own code", async () => {
    registry.consents.set('consent-expired', { partner: 'budget-app', standing: 'expired', consent: consentOf('consent-expired', ['acc-5001'], ['accounts:basic']) });
    for (const [consentId, code, status] of [
      ['consent-expired', 'CONSENT_EXPIRED', 403],
      ['consent-nobody-gave', 'CONSENT_NOT_FOUND', 404],
      ['consent-payroll-cust-0001', 'CONSENT_OTHER_PARTNER', 403],
    ] as const) {
      const { reply, received } = await run(byId(IDS.meCards), await budgetToken(consentId));
      expectCode(reply, code, status);
      expect(received, consentId).toEqual([]);
    }
  });
});

describe('persisted operations: first-party apps', () => {
  it('still run documents of their own, and ids of first-party.json only', async () => {
    const token = await tokenFor({ customer: 'cust-0001' });
    const document = await post(stack.gateway.url, { query: '{ me { id cards { last4 } } }' }, { token });
    expect(document.body).toEqual({ data: { me: { id: 'cust-0001', cards: [{ last4: '4242' }, { last4: '1881' }] } } });
    const { reply } = await run(byId(IDS.me), token);
    expect(reply.body).toEqual({ data: { me: { id: 'cust-0001', name: 'Ada Lovelace' } } });
    expectCode((await run(byId(IDS.meCards), token)).reply, 'PERSISTED_OPERATION_NOT_FOUND');
    const staff = await tokenFor({ staff: 'support' });
    expect((await run({ query: ME, ...byId(IDS.me) }, staff)).reply.body.data).toEqual({ me: { id: 'staff-support', name: 'Ada Lovelace' } });
  });
});
