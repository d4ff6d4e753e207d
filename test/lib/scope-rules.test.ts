import { describe, expect, it } from 'vitest';
import { buildSchema, graphql, type DocumentNode } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { allow, definePermissions, isCustomer, type PrincipalContext } from '../../lib/permissions.js';
import type { Principal } from '../../lib/principal.js';
import { partnerDenial, scopeMapOf } from '../../lib/scope-rules.js';
import { typeDefs as accountsTypeDefs } from '../../subgraphs/accounts/server.js';
import { typeDefs as cardsTypeDefs } from '../../subgraphs/cards/server.js';
import { typeDefs as kycTypeDefs } from '../../subgraphs/kyc/server.js';
import { typeDefs as walletTypeDefs } from '../../subgraphs/wallet/server.js';

const DIRECTIVE = 'directive @scopes(requires: [String!]!) on FIELD_DEFINITION';
const consent = { id: 'cns-1', customerId: 'cust-0001', accountIds: ['acc-5001'], expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
const partner = (scopes: string[], c: typeof consent | null = consent): Principal => ({ kind: 'partner', clientId: 'p', scopes, consent: c });
const subgraph = (typeDefs: DocumentNode) => buildSubgraphSchema({ typeDefs });

describe('scopeMapOf', () => {
  it('reads each field\'s @scopes, and leaves fields without it out', () => {
    const schema = buildSchema(`${DIRECTIVE}
      type Query { open: String @scopes(requires: []) both: String @scopes(requires: ["balances:read", "accounts:basic"]) closed: String }`);
    expect([...scopeMapOf(schema)]).toEqual([
      ['Query.open', []],
      ['Query.both', ['accounts:basic', 'balances:read']],
    ]);
  });

  it('refuses a scope lib/scopes.ts does not know (a typo would close or open the wrong field)', () => {
    const schema = buildSchema(`${DIRECTIVE} type Query { a: String @scopes(requires: ["balance:read"]) }`);
    expect(() => scopeMapOf(schema)).toThrow('@scopes on Query.a: unknown scope balance:read (see lib/scopes.ts)');
  });

  it('maps the accounts subgraph as declared, and opens nothing of cards, KYC or wallet', () => {
    const map = scopeMapOf(subgraph(accountsTypeDefs));
    expect(map.get('Account.balance')).toEqual(['balances:read']);
    expect(map.get('Account.availableBalance')).toEqual(['balances:read']);
    expect(map.get('Account.id')).toEqual(['accounts:basic']);
    expect(map.get('Account.number')).toEqual(['accounts:detail']);
    expect(map.get('Account.transactions')).toEqual(['transactions:read']);
    expect(map.get('Customer.accounts')).toEqual(['accounts:basic']);
    expect(map.get('Customer.profile')).toEqual(['party:read']);
    expect(map.get('CustomerProfile.email')).toEqual(['party:read']);
    expect(map.get('CustomerProfile.dateOfBirth')).toEqual(['party:read']);
    expect(map.has('Query.me')).toBe(false);
    expect(map.has('Query.customers')).toBe(false);
    for (const typeDefs of [cardsTypeDefs, kycTypeDefs, walletTypeDefs]) expect(scopeMapOf(subgraph(typeDefs)).size).toBe(0);
  });
});

describe('partnerDenial', () => {
  it('lets customers and staff through untouched', () => {
    expect(partnerDenial({ kind: 'customer', customerId: 'cust-0001' }, undefined)).toBeNull();
    expect(partnerDenial({ kind: 'staff', staffId: 's', role: 'support' }, undefined)).toBeNull();
  });

  it('needs @scopes on the field, a live consent and every required scope', () => {
    expect(partnerDenial(partner(['balances:read']), undefined)).toBe('This field is not open to partners.');
    expect(partnerDenial(partner(['balances:read']), ['balances:read'])).toBeNull();
    expect(partnerDenial(partner([]), [])).toBeNull();
    expect(partnerDenial(partner(['balances:read']), ['balances:read', 'accounts:basic'])).toBe('This field needs the partner scope accounts:basic.');
    expect(partnerDenial(partner([]), ['balances:read', 'accounts:basic'])).toBe('This field needs the partner scopes balances:read, accounts:basic.');
    expect(partnerDenial(partner(['balances:read'], null), ['balances:read'])).toMatch(/no live consent/);
    const expiry = Date.parse(consent.expiresAt);
    expect(partnerDenial(partner(['balances:read']), ['balances:read'], expiry - 1)).toBeNull();
    expect(partnerDenial(partner(['balances:read']), ['balances:read'], expiry)).toMatch(/no live consent/);
  });
});

describe('definePermissions with the schema\'s @scopes', () => {
  const schema = definePermissions({ Query: { balance: allow, secret: allow, mine: isCustomer } }).apply(
    buildSchema(`${DIRECTIVE}
      type Query {
        balance: String @scopes(requires: ["balances:read"])
        secret: String
        mine: String @scopes(requires: [])
        unruled: String @scopes(requires: [])
      }`),
  );
  const run = (principal: Principal, query: string) =>
    graphql({ schema, source: query, rootValue: { balance: '1.00', secret: 's', mine: 'm', unruled: 'u' }, contextValue: { principal, requestId: 'r' } satisfies PrincipalContext });

  it('gives customers and staff exactly what the rule tree gives them', async () => {
    const answer = await run({ kind: 'customer', customerId: 'cust-0001' }, '{ balance secret mine unruled }');
    expect(answer.data).toEqual({ balance: '1.00', secret: 's', mine: 'm', unruled: null });
    expect(answer.errors?.map((e) => e.message)).toEqual(['You are not allowed to see this.']);
  });

  it('closes fields without @scopes to partners, and keeps the rule tree behind the gate', async () => {
    const answer = await run(partner(['balances:read']), '{ balance secret mine unruled }');
    expect(answer.data).toEqual({ balance: '1.00', secret: null, mine: null, unruled: null });
    expect(answer.errors?.map((e) => `${e.path?.join('.')}: ${e.message}`).sort()).toEqual([
      'mine: Only customers can ask for this.',
      'secret: This field is not open to partners.',
      'unruled: You are not allowed to see this.',
    ]);
  });

  it('refuses a partner without the scope or without a live consent', async () => {
    expect((await run(partner([]), '{ balance }')).errors?.[0]?.message).toBe('This field needs the partner scope balances:read.');
    expect((await run(partner(['balances:read'], null), '{ balance }')).errors?.[0]?.message).toMatch(/no live consent/);
  });
});
