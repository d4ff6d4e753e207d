import { checkTransactionCursor } from '../../connectors/core-banking/index.js';
import { badUserInput, BankError, ErrorCode, forbidden, UpstreamError } from '../../lib/errors.js';
import type { CustomerProfile } from '../../lib/domain.js';
import { MoneyFieldResolvers } from '../../lib/money.js';
import { maskEmail, maskPhone } from '../../lib/permissions.js';
import { canReadAccount, liveConsent, type Principal } from '../../lib/principal.js';
import { selectsField, selectsPath } from '../../lib/selection.js';
import type { GraphQLResolveInfo } from 'graphql';
import type { AccountsContext } from './context.js';
import type { Resolvers } from './__generated__/resolvers-types.js';

/** Most customers a staff member may look up in one request. */
export const MAX_CUSTOMERS_PER_REQUEST = 100;
/** Largest transaction page. */
export const MAX_TRANSACTIONS_PAGE = 100;

export const resolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => (ctx.principal.kind === 'customer' ? { id: ctx.principal.customerId } : null),
    customer: async (_parent, { id }, ctx, info) => (await customerRefs([id], ctx, info))[0] ?? null,
    customers: (_parent, { ids }, ctx, info) => {
      if (ids.length > MAX_CUSTOMERS_PER_REQUEST) {
        throw badUserInput('ids', `at most ${MAX_CUSTOMERS_PER_REQUEST} customers per request, got ${ids.length}`);
      }
      return customerRefs(ids, ctx, info);
    },
    account: async (_parent, { id }, ctx) => {
      const account = await ctx.loaders.account.load(id);
      if (account && canReadAccount(ctx.principal, account)) return account;
      // Staff may read any account, so null tells them only what they could learn anyway. Anyone else hears the same
      // for an unknown id and for someone else's (or a not consented) account: a different answer would tell which
      // ids exist.
      if (ctx.principal.kind === 'staff') return null;
      throw forbidden('There is no such account of yours.');
    },
  },
  Customer: {
    __resolveReference: (ref) => ({ id: ref.id }),
    profile: async (customer, _args, ctx) => {
      const profile = await ctx.loaders.customer.load(customer.id);
      return profile && maskProfileFor(ctx.principal, profile);
    },
    // A partner gets only the accounts the customer consented to; the Account rule refuses any other one anyway.
    // Read with their histories when the query shows transactions, so those need no second round trip.
    accounts: (customer, _args, ctx, info) =>
      accountsLoader(ctx, selectsField(info, 'transactions'))
        .load(customer.id)
        .then((list) => list.filter((a) => canReadAccount(ctx.principal, a))),
  },
  Account: {
    __resolveReference: (ref, ctx) => ctx.loaders.account.load(ref.id),
    name: (account) => account.productName,
    transactions: (account, { first, after }, ctx) => {
      const size = first ?? 10;
      if (!Number.isInteger(size) || size < 1 || size > MAX_TRANSACTIONS_PAGE) {
        throw badUserInput('first', `first must be between 1 and ${MAX_TRANSACTIONS_PAGE}, got ${size}`);
      }
      // Checked here, before the page joins the batch: in the batch, one bad cursor would fail every account's page.
      checkTransactionCursor(after);
      const window = consentWindowOf(ctx.principal);
      return ctx.loaders.transactions.load({ accountId: account.id, first: size, after: after ?? null, ...(window ? { bookedWithin: window } : {}) });
    },
  },
  TransactionConnection: {
    nodes: (page) => [...page.items],
    totalCount: (page) => page.totalCount,
    pageInfo: (page) => ({ hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor }),
  },
  Money: MoneyFieldResolvers,
};

/**
 * Customers by id for staff: null for ids core banking does not know. When core banking cannot be reached, the
 * references are returned anyway so that the other systems' fields still answer; the profile and accounts fields
 * then carry core banking's error themselves.
 */
async function customerRefs(ids: readonly string[], ctx: AccountsContext, info: GraphQLResolveInfo): Promise<({ id: string } | null)[]> {
  // Ask for the accounts in the same tick as the existence check, so both go to core banking in one call. A failure
  // here is reported by the accounts field itself, which loads the same keys.
  if (selectsField(info, 'accounts')) void accountsLoader(ctx, selectsPath(info, ['accounts', 'transactions'])).loadMany(ids);
  const profiles = await ctx.loaders.customer.loadMany(ids);
  return profiles.map((p, i) => {
    if (p instanceof UpstreamError && (p.isSystemFailure || p.isRateLimited)) return { id: ids[i] as string };
    if (p instanceof Error) throw p instanceof BankError ? p : new BankError(ErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.', { cause: p });
    return p ? { id: p.id } : null;
  });
}

/**
 * The days a partner may see transactions of: the whole UTC days within its consent's [transactionFrom,
 * transactionTo] (OB's TransactionFromDateTime / TransactionToDateTime). Core banking books transactions by day, with
 * no time, so a day the window only partly covers is left out: a transaction of it might lie outside the window
 * (a bound to the second, 23:59:59, covers its day). A bound left open is null. Undefined for anyone else, or a
 * consent without a window. A bound that does not read as a date-time shows nothing rather than everything.
 */
export function consentWindowOf(principal: Principal): { from: string | null; to: string | null } | undefined {
  if (principal.kind !== 'partner') return undefined;
  const consent = liveConsent(principal);
  // Without a live consent the Account rule has refused already; show nothing should it ever get here.
  if (!consent) return { from: NOTHING, to: null };
  const from = consent.transactionFrom ?? null;
  const to = consent.transactionTo ?? null;
  if (from === null && to === null) return undefined;
  return { from: from === null ? null : (firstWholeDay(from) ?? NOTHING), to: to === null ? null : (lastWholeDay(to) ?? BEFORE_EVERYTHING) };
}

/** A first day after every booking, and a last day before every booking. */
const NOTHING = '9999-12-31';
const BEFORE_EVERYTHING = '0000-01-01';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The first UTC day that begins at or after `dateTime`. */
function firstWholeDay(dateTime: string): string | undefined {
  const ms = Date.parse(dateTime);
  if (Number.isNaN(ms)) return undefined;
  return new Date(Math.ceil(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** The last UTC day that ends at or before `dateTime` (to the second: 23:59:59 ends its day). */
function lastWholeDay(dateTime: string): string | undefined {
  const ms = Date.parse(dateTime);
  if (Number.isNaN(ms)) return undefined;
  return new Date(Math.floor((ms + 1000) / DAY_MS) * DAY_MS - DAY_MS).toISOString().slice(0, 10);
}

function accountsLoader(ctx: AccountsContext, withTransactions: boolean) {
  return withTransactions ? ctx.loaders.accountsWithHistoryOfCustomer : ctx.loaders.accountsOfCustomer;
}

/** Support staff see contact details masked and no date of birth; owners and operations see them whole. */
function maskProfileFor(principal: Principal, profile: CustomerProfile): CustomerProfile {
  if (principal.kind !== 'staff' || principal.role !== 'support') return profile;
  return {
    ...profile,
    email: profile.email && maskEmail(profile.email),
    phone: profile.phone && maskPhone(profile.phone),
    dateOfBirth: null,
  };
}
