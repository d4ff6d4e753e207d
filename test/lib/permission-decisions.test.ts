import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { createCoreBankingConnector } from '../../connectors/factory.js';
import { authConfig, contextPublicKeys } from '../../lib/config.js';
import { CONTEXT_HEADER, ContextSigner, ContextVerifier } from '../../lib/context.js';
import type { Principal } from '../../lib/principal.js';
import { createSubgraphServer, type RunningSubgraph } from '../../lib/subgraph-server.js';
import type { SubgraphName } from '../../lib/config.js';
import type { AccountsContext } from '../../subgraphs/accounts/context.js';
import { createAccountsLoaders } from '../../subgraphs/accounts/loaders.js';
import { permissions as accountsPermissions } from '../../subgraphs/accounts/permissions.js';
import { resolvers as accountsResolvers } from '../../subgraphs/accounts/resolvers.js';
import { typeDefs as accountsTypeDefs } from '../../subgraphs/accounts/server.js';
import { journeyOperation } from '../support/operations.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * Who may read and do what, subgraph by subgraph, as the permission layer decides it today: each row is a principal,
 * a request sent straight to one real subgraph (with a signed context, as the gateway sends it) over the real
 * simulators, and every decision the answer shows, one line per field path (list indices as `*`):
 * `path: ok` (a value), `path: null` (allowed, no value), `path: CODE: message` (refused or failed).
 * The table was taken from the implementation that ran graphql-shield's rules (commit 1fe2d4d, before lib/rules.ts);
 * any change of decision under another implementation shows here.
 */

const HOUR = 3_600_000;
const live = new Date(Date.now() + HOUR).toISOString();
const ALL_SCOPES = ['accounts:basic', 'accounts:detail', 'balances:read', 'transactions:read', 'party:read', 'payments:initiate'];

const C1: Principal = { kind: 'customer', customerId: 'cust-0001' };
const C2: Principal = { kind: 'customer', customerId: 'cust-0002' };
const SUPPORT: Principal = { kind: 'staff', staffId: 'staff-1', role: 'support' };
const OPS: Principal = { kind: 'staff', staffId: 'staff-2', role: 'operations' };
const partner = (scopes: readonly string[], consent: { customerId: string; accountIds: string[]; expiresAt: string } | null): Principal => ({
  kind: 'partner',
  clientId: 'budget-app',
  scopes,
  consent: consent && { id: 'cns-1', ...consent },
});
/** Every scope, a live consent for cust-0001 and one of their three accounts (acc-5001). */
const P_ALL = partner(ALL_SCOPES, { customerId: 'cust-0001', accountIds: ['acc-5001'], expiresAt: live });
/** Only accounts:basic, the same consent. */
const P_BASIC = partner(['accounts:basic'], { customerId: 'cust-0001', accountIds: ['acc-5001'], expiresAt: live });
const P_EXPIRED = partner(ALL_SCOPES, { customerId: 'cust-0001', accountIds: ['acc-5001'], expiresAt: new Date(Date.now() - HOUR).toISOString() });
/** A revoked consent reaches the subgraph as null. */
const P_NO_CONSENT = partner(ALL_SCOPES, null);
/** Every scope, consent for another customer (cust-0002, acc-5004). */
const P_OTHER = partner(ALL_SCOPES, { customerId: 'cust-0002', accountIds: ['acc-5004'], expiresAt: live });

const PRINCIPALS = { C1, C2, SUPPORT, OPS, P_ALL, P_BASIC, P_EXPIRED, P_NO_CONSENT, P_OTHER } as const;
type Who = keyof typeof PRINCIPALS;

/** `_entities` of one representation, selecting `selection` on `type`. */
const entity = (type: string, id: string, selection: string) =>
  `{ _entities(representations: [{ __typename: "${type}", id: "${id}" }]) { ... on ${type} { ${selection} } } }`;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Answer {
  data?: Json;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

/** The decisions an answer shows (see the top of the file), sorted and without repeats. */
function decisions(answer: Answer): string[] {
  const out = new Set<string>();
  const norm = (path: readonly (string | number)[]) => path.map((p) => (typeof p === 'number' ? '*' : p)).join('.');
  const errorPaths = new Set<string>();
  for (const e of answer.errors ?? []) {
    const path = norm(e.path ?? []);
    errorPaths.add(path);
    out.add(`${path || '(request)'}: ${e.extensions?.code ?? '?'}: ${e.message}`);
  }
  const walk = (value: Json | undefined, path: (string | number)[]) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    else if (!errorPaths.has(norm(path))) out.add(`${norm(path)}: ${value === null || value === undefined ? 'null' : 'ok'}`);
  };
  if (answer.data && typeof answer.data === 'object') walk(answer.data, []);
  return [...out].sort();
}

interface Row {
  readonly subgraph: SubgraphName | 'unruled';
  /** `<subgraph>: <what>`, the key of its expectations in EXPECTED. */
  readonly name: string;
  readonly query: string;
  /** Who asks. */
  readonly whos: readonly Who[];
}

/**
 * The principals of `whos` grouped by identical decisions: `{ 'C1 C2': [...], 'SUPPORT OPS': [...] }`, each group's
 * names in the order of `whos`.
 */
function grouped(whos: readonly Who[], byWho: ReadonlyMap<Who, readonly string[]>): Record<string, readonly string[]> {
  const groups = new Map<string, { whos: Who[]; decisions: readonly string[] }>();
  for (const who of whos) {
    const decisions = byWho.get(who) ?? [];
    const key = JSON.stringify(decisions);
    const group = groups.get(key);
    if (group) group.whos.push(who);
    else groups.set(key, { whos: [who], decisions });
  }
  return Object.fromEntries([...groups.values()].map((g) => [g.whos.join(' '), g.decisions]));
}

/** Added to the accounts subgraph for the rows of `unruled`: a field and a type permissions.ts has no rule for. */
const UNRULED_SDL = /* GraphQL */ `
  type Unruled { note: String @scopes(requires: []) }
  extend type Query {
    unruled: Unruled @scopes(requires: [])
    unruledText: String
  }
  extend type Account { unruledExtra: Unruled @scopes(requires: []) }
`;

const ALL: readonly Who[] = ['C1', 'C2', 'SUPPORT', 'OPS', 'P_ALL', 'P_BASIC', 'P_EXPIRED', 'P_NO_CONSENT', 'P_OTHER'];
/** Rows of one subgraph: name -> query, every principal in `whos` asked; expectations from EXPECTED. */
const rowsOf = (subgraph: Row['subgraph'], whos: readonly Who[], rows: Record<string, string>): Row[] =>
  Object.entries(rows).map(([name, query]) => ({ subgraph, name: `${subgraph}: ${name}`, query, whos }));

const ROWS: readonly Row[] = [
  ...rowsOf('accounts', ALL, {
    'me, with profile, accounts, balances and transactions':
      '{ me { id profile { displayName email phone dateOfBirth status } accounts { id number name balance { amount currency } openedOn transactions(first: 1) { totalCount nodes { id amount { amount } } pageInfo { hasNextPage } } } } }',
    'customer(id) of cust-0001': '{ customer(id: "cust-0001") { id profile { displayName email } accounts { id name balance { amount } number } } }',
    'customers(ids), staff only': '{ customers(ids: ["cust-0001", "cust-0002"]) { id } }',
    'account(id) consented to the partners (acc-5001)': '{ account(id: "acc-5001") { id name number balance { amount } transactions(first: 1) { totalCount } } }',
    'account(id) of cust-0001 not consented (acc-5002)': '{ account(id: "acc-5002") { id balance { amount } } }',
    'Customer entity cust-0001': entity('Customer', 'cust-0001', 'id profile { displayName dateOfBirth } accounts { id }'),
    'Account entity acc-5001': entity('Account', 'acc-5001', 'id name balance { amount } availableBalance { amount }'),
    'Account entity acc-5004 (cust-0002)': entity('Account', 'acc-5004', 'id name'),
    '_service': '{ _service { sdl } }',
  }),
  ...rowsOf('cards', ALL, {
    'me with cards': '{ me { id cards { id last4 expiry status product scheme fulfilment dailyLimit { amount currency } } } }',
    'card(id) of cust-0001': '{ card(id: "crd_000101") { id last4 status } }',
    'Customer entity cust-0001': entity('Customer', 'cust-0001', 'id cards { id last4 }'),
    'Card entity of cust-0001': entity('Card', 'crd_000101', 'id last4 status'),
    '_service': '{ _service { sdl } }',
  }),
  ...rowsOf('kyc', ALL, {
    // The KYC subgraph has no me of its own: the gateway brings the applicant id from the journeys subgraph.
    'Customer entity cust-0001': `{ _entities(representations: [{ __typename: "Customer", id: "cust-0001", kycApplicantId: "a0000000-0000-4000-8000-000000000001" }]) { ... on Customer { id kyc { status riskLevel } } } }`,
    '_service': '{ _service { sdl } }',
  }),
  ...rowsOf('wallet', ALL, {
    'me with wallet': '{ me { id wallet { id pockets { amount currency } total(currency: "EUR") { amount currency } } } }',
    'fxRate': '{ fxRate(from: "EUR", to: "USD") { from to rate asOf } }',
    'quoteConversion': 'mutation { quoteConversion(sell: "EUR", buy: "USD", sellAmount: "1.00") { id rate sell { amount } buy { amount } expiresAt } }',
    'Customer entity cust-0001': entity('Customer', 'cust-0001', 'id wallet { id pockets { amount } }'),
    '_service': '{ _service { sdl } }',
  }),
  ...rowsOf('journeys', ALL, {
    'me with journeys': '{ me { id journeys { id type status } } }',
    'Customer entity cust-0001 with journeys': entity('Customer', 'cust-0001', 'id journeys { id status }'),
    // For the KYC subgraph (@requires): the customer's Onfido applicant, as the gateway fetches it for Customer.kyc.
    'Customer entity cust-0001 with kycApplicantId': entity('Customer', 'cust-0001', 'id kycApplicantId'),
    'journey(id) of cust-0001': '{ journey(id: "$JOURNEY") { id type status createdAt steps { name status attempts { number outcome } } customer { id } } }',
    'Journey entity of cust-0001': entity('Journey', '$JOURNEY', 'id status steps { name }'),
    // A blank idempotency key: a principal the rule lets through meets the resolver's BAD_USER_INPUT, nothing runs.
    'onboardCustomer (staff)':
      'mutation { onboardCustomer(idempotencyKey: " ", input: { firstName: "A", lastName: "B", email: "a@b.example", dateOfBirth: "1990-01-01", country: "DE" }) { journey { id } } }',
    'sendInternationalPayment from the consented account':
      'mutation { sendInternationalPayment(idempotencyKey: " ", input: { sourceAccountId: "acc-5001", amount: { amount: "1.00", currency: "EUR" }, beneficiary: { name: "X", iban: "DE89370400440532013000", bic: "COBADEFFXXX", country: "DE" } }) { journey { id } } }',
    'sendInternationalPayment from an account not consented':
      'mutation { sendInternationalPayment(idempotencyKey: " ", input: { sourceAccountId: "acc-5002", amount: { amount: "1.00", currency: "EUR" }, beneficiary: { name: "X", iban: "DE89370400440532013000", bic: "COBADEFFXXX", country: "DE" } }) { journey { id } } }',
    'convertCurrency': 'mutation { convertCurrency(idempotencyKey: " ", input: { sellAmount: { amount: "1.00", currency: "EUR" }, buy: "USD" }) { journey { id } } }',
    'issueCard': 'mutation { issueCard(idempotencyKey: " ") { journey { id } } }',
    'freezeCard': 'mutation { freezeCard(idempotencyKey: " ", cardId: "crd_000101") { journey { id } } }',
    'unfreezeCard': 'mutation { unfreezeCard(idempotencyKey: " ", cardId: "crd_000101") { journey { id } } }',
    '_service': '{ _service { sdl } }',
  }),
  // A field and a type permissions.ts has no rule for: denied by default (the fallback), whoever asks.
  ...rowsOf('unruled', ['C1', 'SUPPORT', 'OPS', 'P_ALL'], {
    'a field with no rule': '{ unruled { note } unruledText me { id } }',
    'a type with no rule, below an allowed field': '{ account(id: "acc-5001") { id unruledExtra { note } } }',
  }),
];

const EXPECTED: Record<string, Record<string, readonly string[]>> = {
  'accounts: me, with profile, accounts, balances and transactions': {
    'C1 C2': [
      'me.accounts.*.balance.amount: ok',
      'me.accounts.*.balance.currency: ok',
      'me.accounts.*.id: ok',
      'me.accounts.*.name: ok',
      'me.accounts.*.number: ok',
      'me.accounts.*.openedOn: ok',
      'me.accounts.*.transactions.nodes.*.amount.amount: ok',
      'me.accounts.*.transactions.nodes.*.id: ok',
      'me.accounts.*.transactions.pageInfo.hasNextPage: ok',
      'me.accounts.*.transactions.totalCount: ok',
      'me.id: ok',
      'me.profile.dateOfBirth: ok',
      'me.profile.displayName: ok',
      'me.profile.email: ok',
      'me.profile.phone: ok',
      'me.profile.status: ok',
    ],
    'SUPPORT OPS': ['me: FORBIDDEN: Only customers can ask for this.'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['me: FORBIDDEN: This field is not open to partners.'],
  },
  'accounts: customer(id) of cust-0001': {
    'C1 C2': ['customer: FORBIDDEN: Only bank staff can ask for this.'],
    'SUPPORT OPS P_ALL': [
      'customer.accounts.*.balance.amount: ok',
      'customer.accounts.*.id: ok',
      'customer.accounts.*.name: ok',
      'customer.accounts.*.number: ok',
      'customer.id: ok',
      'customer.profile.displayName: ok',
      'customer.profile.email: ok',
    ],
    'P_BASIC': [
      'customer.accounts.*.balance: FORBIDDEN: This field needs the partner scope balances:read.',
      'customer.accounts.*.number: FORBIDDEN: This field needs the partner scope accounts:detail.',
      'customer.accounts: null',
      'customer.id: ok',
      'customer.profile: FORBIDDEN: This field needs the partner scope party:read.',
    ],
    'P_EXPIRED P_NO_CONSENT': [
      'customer: FORBIDDEN: There is no live consent: it is missing, expired or revoked.',
    ],
    'P_OTHER': ['customer: FORBIDDEN: This customer is not within your consent.'],
  },
  'accounts: customers(ids), staff only': {
    'C1 C2': ['customers: FORBIDDEN: Only bank staff can ask for this.'],
    'SUPPORT OPS': ['customers.*.id: ok'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      'customers: FORBIDDEN: This field is not open to partners.',
    ],
  },
  'accounts: account(id) consented to the partners (acc-5001)': {
    'C1 SUPPORT OPS P_ALL': [
      'account.balance.amount: ok',
      'account.id: ok',
      'account.name: ok',
      'account.number: ok',
      'account.transactions.totalCount: ok',
    ],
    'C2 P_OTHER': ['account: FORBIDDEN: There is no such account of yours.'],
    'P_BASIC': [
      'account.number: FORBIDDEN: This field needs the partner scope accounts:detail.',
      'account: null',
    ],
    'P_EXPIRED P_NO_CONSENT': [
      'account: FORBIDDEN: There is no live consent: it is missing, expired or revoked.',
    ],
  },
  'accounts: account(id) of cust-0001 not consented (acc-5002)': {
    'C1 SUPPORT OPS': [
      'account.balance.amount: ok',
      'account.id: ok',
    ],
    'C2 P_ALL P_BASIC P_OTHER': ['account: FORBIDDEN: There is no such account of yours.'],
    'P_EXPIRED P_NO_CONSENT': [
      'account: FORBIDDEN: There is no live consent: it is missing, expired or revoked.',
    ],
  },
  'accounts: Customer entity cust-0001': {
    'C1 OPS P_ALL': [
      '_entities.*.accounts.*.id: ok',
      '_entities.*.id: ok',
      '_entities.*.profile.dateOfBirth: ok',
      '_entities.*.profile.displayName: ok',
    ],
    'C2 P_OTHER': [
      '_entities.*.id: FORBIDDEN: You are not allowed to see this.',
      '_entities.*: null',
    ],
    'SUPPORT': [
      '_entities.*.accounts.*.id: ok',
      '_entities.*.id: ok',
      '_entities.*.profile.dateOfBirth: null',
      '_entities.*.profile.displayName: ok',
    ],
    'P_BASIC': [
      '_entities.*.accounts.*.id: ok',
      '_entities.*.id: ok',
      '_entities.*.profile: FORBIDDEN: This field needs the partner scope party:read.',
    ],
    'P_EXPIRED P_NO_CONSENT': [
      '_entities.*.id: FORBIDDEN: There is no live consent: it is missing, expired or revoked.',
      '_entities.*: null',
    ],
  },
  'accounts: Account entity acc-5001': {
    'C1 SUPPORT OPS P_ALL': [
      '_entities.*.availableBalance.amount: ok',
      '_entities.*.balance.amount: ok',
      '_entities.*.id: ok',
      '_entities.*.name: ok',
    ],
    'C2 P_OTHER': [
      '_entities.*.id: FORBIDDEN: You are not allowed to see this.',
      '_entities.*: null',
    ],
    'P_BASIC': [
      '_entities.*.availableBalance: FORBIDDEN: This field needs the partner scope balances:read.',
      '_entities.*.balance: FORBIDDEN: This field needs the partner scope balances:read.',
      '_entities.*.id: ok',
      '_entities.*.name: ok',
    ],
    'P_EXPIRED P_NO_CONSENT': [
      '_entities.*.id: FORBIDDEN: There is no live consent: it is missing, expired or revoked.',
      '_entities.*: null',
    ],
  },
  'accounts: Account entity acc-5004 (cust-0002)': {
    'C1 P_ALL P_BASIC': [
      '_entities.*.id: FORBIDDEN: You are not allowed to see this.',
      '_entities.*: null',
    ],
    'C2 SUPPORT OPS P_OTHER': [
      '_entities.*.id: ok',
      '_entities.*.name: ok',
    ],
    'P_EXPIRED P_NO_CONSENT': [
      '_entities.*.id: FORBIDDEN: There is no live consent: it is missing, expired or revoked.',
      '_entities.*: null',
    ],
  },
  'accounts: _service': {
    'C1 C2 SUPPORT OPS P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['_service.sdl: ok'],
  },
  'cards: me with cards': {
    'C1': [
      'me.cards.*.dailyLimit.amount: ok',
      'me.cards.*.dailyLimit.currency: ok',
      'me.cards.*.expiry: ok',
      'me.cards.*.fulfilment: ok',
      'me.cards.*.id: ok',
      'me.cards.*.last4: ok',
      'me.cards.*.product: ok',
      'me.cards.*.scheme: ok',
      'me.cards.*.status: ok',
      'me.id: ok',
    ],
    'C2': ['me.id: ok'],
    'SUPPORT OPS': ['me: FORBIDDEN: Only customers can ask for this.'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['me: FORBIDDEN: This field is not open to partners.'],
  },
  'cards: card(id) of cust-0001': {
    'C1 SUPPORT OPS': [
      'card.id: ok',
      'card.last4: ok',
      'card.status: ok',
    ],
    'C2': ['card: FORBIDDEN: There is no such card of yours.'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['card: FORBIDDEN: This field is not open to partners.'],
  },
  'cards: Customer entity cust-0001': {
    'C1 SUPPORT OPS': [
      '_entities.*.cards.*.id: ok',
      '_entities.*.cards.*.last4: ok',
      '_entities.*.id: ok',
    ],
    'C2': [
      '_entities.*.id: FORBIDDEN: You are not allowed to see this.',
      '_entities.*: null',
    ],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      '_entities.*.id: FORBIDDEN: This field is not open to partners.',
      '_entities.*: null',
    ],
  },
  'cards: Card entity of cust-0001': {
    'C1 SUPPORT OPS': [
      '_entities.*.id: ok',
      '_entities.*.last4: ok',
      '_entities.*.status: ok',
    ],
    'C2': [
      '_entities.*.id: FORBIDDEN: You are not allowed to see this.',
      '_entities.*: null',
    ],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      '_entities.*.id: FORBIDDEN: This field is not open to partners.',
      '_entities.*: null',
    ],
  },
  'cards: _service': {
    'C1 C2 SUPPORT OPS P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['_service.sdl: ok'],
  },
  'kyc: Customer entity cust-0001': {
    'C1 SUPPORT OPS': [
      '_entities.*.id: ok',
      '_entities.*.kyc.riskLevel: ok',
      '_entities.*.kyc.status: ok',
    ],
    'C2': [
      '_entities.*.id: FORBIDDEN: You are not allowed to see this.',
      '_entities.*: null',
    ],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      '_entities.*.id: FORBIDDEN: This field is not open to partners.',
      '_entities.*: null',
    ],
  },
  'kyc: _service': {
    'C1 C2 SUPPORT OPS P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['_service.sdl: ok'],
  },
  'wallet: me with wallet': {
    'C1 C2': [
      'me.id: ok',
      'me.wallet.id: ok',
      'me.wallet.pockets.*.amount: ok',
      'me.wallet.pockets.*.currency: ok',
      'me.wallet.total.amount: ok',
      'me.wallet.total.currency: ok',
    ],
    'SUPPORT OPS': ['me: FORBIDDEN: Only customers can ask for this.'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['me: FORBIDDEN: This field is not open to partners.'],
  },
  'wallet: fxRate': {
    'C1 C2 SUPPORT OPS': [
      'fxRate.asOf: ok',
      'fxRate.from: ok',
      'fxRate.rate: ok',
      'fxRate.to: ok',
    ],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['fxRate: FORBIDDEN: This field is not open to partners.'],
  },
  'wallet: quoteConversion': {
    'C1 C2': [
      'quoteConversion.buy.amount: ok',
      'quoteConversion.expiresAt: ok',
      'quoteConversion.id: ok',
      'quoteConversion.rate: ok',
      'quoteConversion.sell.amount: ok',
    ],
    'SUPPORT OPS': ['quoteConversion: FORBIDDEN: Only customers can ask for this.'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      'quoteConversion: FORBIDDEN: This field is not open to partners.',
    ],
  },
  'wallet: Customer entity cust-0001': {
    'C1 SUPPORT OPS': [
      '_entities.*.id: ok',
      '_entities.*.wallet.id: ok',
      '_entities.*.wallet.pockets.*.amount: ok',
    ],
    'C2': [
      '_entities.*.id: FORBIDDEN: You are not allowed to see this.',
      '_entities.*: null',
    ],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      '_entities.*.id: FORBIDDEN: This field is not open to partners.',
      '_entities.*: null',
    ],
  },
  'wallet: _service': {
    'C1 C2 SUPPORT OPS P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['_service.sdl: ok'],
  },
  'journeys: me with journeys': {
    'C1': [
      'me.id: ok',
      'me.journeys.*.id: ok',
      'me.journeys.*.status: ok',
      'me.journeys.*.type: ok',
    ],
    'C2': ['me.id: ok'],
    'SUPPORT OPS': ['me: FORBIDDEN: Only customers can ask for this.'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['me: FORBIDDEN: This field is not open to partners.'],
  },
  'journeys: Customer entity cust-0001 with journeys': {
    'C1 OPS': [
      '_entities.*.id: ok',
      '_entities.*.journeys.*.id: ok',
      '_entities.*.journeys.*.status: ok',
    ],
    'C2': [
      '_entities.*.id: FORBIDDEN: You are not allowed to see this.',
      '_entities.*: null',
    ],
    'SUPPORT': [
      '_entities.*.id: ok',
      '_entities.*.journeys: FORBIDDEN: You are not allowed to see this.',
    ],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      '_entities.*.id: FORBIDDEN: This field is not open to partners.',
      '_entities.*: null',
    ],
  },
  'journeys: Customer entity cust-0001 with kycApplicantId': {
    'C1 SUPPORT OPS': [
      '_entities.*.id: ok',
      '_entities.*.kycApplicantId: ok',
    ],
    'C2': [
      '_entities.*.id: FORBIDDEN: You are not allowed to see this.',
      '_entities.*: null',
    ],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      '_entities.*.id: FORBIDDEN: This field is not open to partners.',
      '_entities.*: null',
    ],
  },
  'journeys: journey(id) of cust-0001': {
    'C1 OPS': [
      'journey.createdAt: ok',
      'journey.customer.id: ok',
      'journey.id: ok',
      'journey.status: ok',
      'journey.steps.*.attempts.*.number: ok',
      'journey.steps.*.attempts.*.outcome: ok',
      'journey.steps.*.name: ok',
      'journey.steps.*.status: ok',
      'journey.type: ok',
    ],
    'C2 SUPPORT': ['journey: FORBIDDEN: There is no such journey of yours.'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['journey: FORBIDDEN: This field is not open to partners.'],
  },
  'journeys: Journey entity of cust-0001': {
    'C1 OPS': [
      '_entities.*.id: ok',
      '_entities.*.status: ok',
      '_entities.*.steps.*.name: ok',
    ],
    'C2 SUPPORT P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['_entities.*: null'],
  },
  'journeys: onboardCustomer (staff)': {
    'C1 C2': ['onboardCustomer: FORBIDDEN: Only bank staff can ask for this.'],
    'SUPPORT OPS': [
      'onboardCustomer: BAD_USER_INPUT: idempotencyKey must be 1 to 255 printable characters without spaces',
    ],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      'onboardCustomer: FORBIDDEN: This field is not open to partners.',
    ],
  },
  'journeys: sendInternationalPayment from the consented account': {
    'C1 P_ALL': [
      'sendInternationalPayment: BAD_USER_INPUT: idempotencyKey must be 1 to 255 printable characters without spaces',
    ],
    'C2': ['sendInternationalPayment: BAD_USER_INPUT: no such account of yours'],
    'SUPPORT OPS': ['sendInternationalPayment: FORBIDDEN: Only customers can ask for this.'],
    'P_BASIC': ['sendInternationalPayment: FORBIDDEN: This field needs the partner scope payments:initiate.'],
    'P_EXPIRED P_NO_CONSENT': [
      'sendInternationalPayment: FORBIDDEN: There is no live consent: it is missing, expired or revoked.',
    ],
    'P_OTHER': [
      'sendInternationalPayment: ACCOUNT_NOT_IN_CONSENT: The customer\'s consent does not cover the account "acc-5001": pay from a consented account.',
    ],
  },
  'journeys: sendInternationalPayment from an account not consented': {
    'C1': [
      'sendInternationalPayment: BAD_USER_INPUT: idempotencyKey must be 1 to 255 printable characters without spaces',
    ],
    'C2': ['sendInternationalPayment: BAD_USER_INPUT: no such account of yours'],
    'SUPPORT OPS': ['sendInternationalPayment: FORBIDDEN: Only customers can ask for this.'],
    'P_ALL P_OTHER': [
      'sendInternationalPayment: ACCOUNT_NOT_IN_CONSENT: The customer\'s consent does not cover the account "acc-5002": pay from a consented account.',
    ],
    'P_BASIC': ['sendInternationalPayment: FORBIDDEN: This field needs the partner scope payments:initiate.'],
    'P_EXPIRED P_NO_CONSENT': [
      'sendInternationalPayment: FORBIDDEN: There is no live consent: it is missing, expired or revoked.',
    ],
  },
  'journeys: convertCurrency': {
    'C1 C2': [
      'convertCurrency: BAD_USER_INPUT: idempotencyKey must be 1 to 255 printable characters without spaces',
    ],
    'SUPPORT OPS': ['convertCurrency: FORBIDDEN: Only customers can ask for this.'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      'convertCurrency: FORBIDDEN: This field is not open to partners.',
    ],
  },
  'journeys: issueCard': {
    'C1 C2': ['issueCard: BAD_USER_INPUT: idempotencyKey must be 1 to 255 printable characters without spaces'],
    'SUPPORT OPS': ['issueCard: FORBIDDEN: Only customers can ask for this.'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      'issueCard: FORBIDDEN: This field is not open to partners.',
    ],
  },
  'journeys: freezeCard': {
    'C1': ['freezeCard: BAD_USER_INPUT: idempotencyKey must be 1 to 255 printable characters without spaces'],
    'C2': ['freezeCard: FORBIDDEN: You are not allowed to change this card.'],
    'SUPPORT OPS': ['freezeCard: FORBIDDEN: Only customers can ask for this.'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      'freezeCard: FORBIDDEN: This field is not open to partners.',
    ],
  },
  'journeys: unfreezeCard': {
    'C1': ['unfreezeCard: BAD_USER_INPUT: idempotencyKey must be 1 to 255 printable characters without spaces'],
    'C2': ['unfreezeCard: FORBIDDEN: You are not allowed to change this card.'],
    'SUPPORT OPS': ['unfreezeCard: FORBIDDEN: Only customers can ask for this.'],
    'P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': [
      'unfreezeCard: FORBIDDEN: This field is not open to partners.',
    ],
  },
  'journeys: _service': {
    'C1 C2 SUPPORT OPS P_ALL P_BASIC P_EXPIRED P_NO_CONSENT P_OTHER': ['_service.sdl: ok'],
  },
  'unruled: a field with no rule': {
    'C1': [
      'me.id: ok',
      'unruled: FORBIDDEN: You are not allowed to see this.',
      'unruledText: FORBIDDEN: You are not allowed to see this.',
    ],
    'SUPPORT OPS': [
      'me: FORBIDDEN: Only customers can ask for this.',
      'unruled: FORBIDDEN: You are not allowed to see this.',
      'unruledText: FORBIDDEN: You are not allowed to see this.',
    ],
    'P_ALL': [
      'me: FORBIDDEN: This field is not open to partners.',
      'unruled: FORBIDDEN: You are not allowed to see this.',
      'unruledText: FORBIDDEN: This field is not open to partners.',
    ],
  },
  'unruled: a type with no rule, below an allowed field': {
    'C1 SUPPORT OPS P_ALL': [
      'account.id: ok',
      'account.unruledExtra.note: FORBIDDEN: You are not allowed to see this.',
    ],
  },
};

describe('permission decisions of every subgraph (differential: kept from the graphql-shield rules)', () => {
  let stack: Stack;
  let unruled: RunningSubgraph;
  let journeyId: string;
  const signer = new ContextSigner(authConfig({ NODE_ENV: 'test' }).internalContextKey);

  beforeAll(async () => {
    stack = await startStack();
    // One real journey of cust-0001, for the Journey rule.
    const answer = await stack.graphql(
      journeyOperation('ConvertCurrency'),
      { idempotencyKey: `decisions-${Date.now()}`, input: { sellAmount: { amount: '1.00', currency: 'EUR' }, buy: 'USD' } },
      await stack.customerToken('cust-0001'),
    );
    journeyId = (answer.body.data?.convertCurrency as { journey: { id: string } }).journey.id;
    // The accounts subgraph with one more field and type that permissions.ts has no rule for.
    const coreBanking = createCoreBankingConnector({ NODE_ENV: 'test' }, { baseUrl: stack.simulators['core-banking'].running.url });
    const server = await createSubgraphServer<AccountsContext>({
      name: 'accounts',
      typeDefs: { ...accountsTypeDefs, definitions: [...accountsTypeDefs.definitions, ...parse(UNRULED_SDL).definitions] },
      resolvers: {
        ...accountsResolvers,
        Query: { ...accountsResolvers.Query, unruled: () => ({ note: 'n' }), unruledText: () => 't' },
        Account: { ...accountsResolvers.Account, unruledExtra: () => ({ note: 'n' }) },
      },
      permissions: accountsPermissions,
      verifier: new ContextVerifier(contextPublicKeys({ NODE_ENV: 'test' })),
      createContext: (base) => ({ ...base, loaders: createAccountsLoaders(coreBanking) }),
    });
    unruled = await server.listen(0);
  }, 60_000);
  afterAll(async () => {
    await unruled?.stop();
    await stack?.stop();
  });

  async function ask(row: Row, principal: Principal | undefined): Promise<{ status: number; decisions: string[] }> {
    const url = row.subgraph === 'unruled' ? unruled.url : stack.subgraphs[row.subgraph].url;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (principal) headers[CONTEXT_HEADER] = await signer.sign({ principal, requestId: 'decisions' }, { audience: row.subgraph === 'unruled' ? 'accounts' : row.subgraph, expiresAtMs: Date.now() + 60_000 });
    const query = row.query.replaceAll('$JOURNEY', journeyId);
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query }) });
    return { status: res.status, decisions: decisions((await res.json()) as Answer) };
  }

  for (const row of ROWS) {
    it(row.name, async () => {
      const byWho = new Map<Who, readonly string[]>();
      for (const who of row.whos) {
        const { status, decisions: d } = await ask(row, PRINCIPALS[who]);
        expect(status, `${who}: HTTP status`).toBe(200);
        byWho.set(who, d);
      }
      const actual = grouped(row.whos, byWho);
      expect(actual).toEqual(EXPECTED[row.name]);
    });
  }

  it('refuses a request without a signed context in every subgraph (unauthenticated: 401, nothing run)', async () => {
    for (const subgraph of ['accounts', 'cards', 'kyc', 'wallet', 'journeys'] as const) {
      const { status, decisions: d } = await ask({ subgraph, name: subgraph, query: '{ me { id } }', whos: [] }, undefined);
      expect({ subgraph, status, d }).toEqual({ subgraph, status: 401, d: ['(request): UNAUTHENTICATED: missing signed context: requests must come through the gateway'] });
    }
  });

  it('refuses an unauthenticated client at the gateway', async () => {
    const answer = await stack.graphql('{ me { id } }');
    expect([answer.status, answer.body.errors?.map((e) => e.extensions?.code)]).toEqual([401, ['UNAUTHENTICATED']]);
  });
});
