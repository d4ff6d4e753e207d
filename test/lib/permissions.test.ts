import { describe, expect, it } from 'vitest';
import { buildSchema, graphql, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { applyMiddleware, middleware } from 'graphql-middleware';
import { and, chain, inputRule, not, or, race, rule, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { allow, bankShield, deny, isCustomer, shieldMiddleware } from '../../lib/permissions.js';
import { BankError, ErrorCode } from '../../lib/errors.js';

/**
 * bankShield evaluates graphql-shield rules itself, synchronously when it can (lib/permissions.ts). These tests run
 * the same rule tree through graphql-shield's own middleware and through ours, and require the same answers: every
 * kind of rule result (true, false, an Error, a string, a throw; sync and async), every logic rule, and every kind of
 * resolver outcome.
 */

const FIELDS = [
  'yes', 'no', 'err', 'str', 'throws', 'asyncYes', 'asyncNo', 'asyncErr', 'asyncThrows',
  'andNoErr', 'andYes', 'orNoErr', 'orErrErr', 'orYes', 'chainYesErr', 'chainNoErr', 'chainYesYes', 'raceNoErrYes', 'raceNoErr',
  'notYes', 'notYesMsg', 'notNo', 'notErr', 'ctxA', 'ctxB', 'ctxC', 'keyed', 'nested', 'denied', 'missing',
  'resolverThrows', 'resolverRejects', 'resolverReturnsError', 'asyncValue',
] as const;

const SDL = `type Query { ${FIELDS.map((f) => `${f}: String`).join(' ')} child: Child }
  type Child { a: String b: String }`;

function tree(counts: Map<string, number>): IRules {
  const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  const yes = rule({ cache: 'no_cache' })(() => true);
  const no = rule({ cache: 'no_cache' })(() => false);
  const err = rule({ cache: 'no_cache' })(() => new BankError(ErrorCode.FORBIDDEN, 'err rule'));
  const err2 = rule({ cache: 'no_cache' })(() => new BankError(ErrorCode.FORBIDDEN, 'second err rule'));
  const str = rule({ cache: 'no_cache' })(() => 'a string verdict');
  const throws = rule({ cache: 'no_cache' })(() => {
    throw new Error('rule bug');
  });
  const asyncYes = rule({ cache: 'no_cache' })(async () => true);
  const asyncNo = rule({ cache: 'no_cache' })(async () => false);
  const asyncErr = rule({ cache: 'no_cache' })(async () => new BankError(ErrorCode.FORBIDDEN, 'async err rule'));
  const asyncThrows = rule({ cache: 'no_cache' })(async () => {
    throw new Error('async rule bug');
  });
  // Contextual: evaluated once per request while true, again while falsy (shield's cache test is `!cached`).
  const ctxTrue = rule('ctx-true', { cache: 'contextual' })(() => (count('ctx-true'), true));
  const ctxFalse = rule('ctx-false', { cache: 'contextual' })(() => (count('ctx-false'), false));
  const keyed = rule('keyed', { cache: (_p, args: { x?: string }) => String(args.x) })(() => (count('keyed'), true));
  return {
    Query: {
      yes, no, err, str, throws, asyncYes, asyncNo, asyncErr, asyncThrows,
      andNoErr: and(no, err), andYes: and(yes, asyncYes), orNoErr: or(no, err), orErrErr: or(err, err2), orYes: or(no, asyncYes),
      chainYesErr: chain(yes, err), chainNoErr: chain(no, err), chainYesYes: chain(yes, asyncYes),
      raceNoErrYes: race(no, err, yes), raceNoErr: race(no, asyncErr),
      notYes: not(yes), notYesMsg: not(yes, 'not allowed, says not'), notNo: not(no), notErr: not(err),
      ctxA: ctxTrue, ctxB: chain(ctxTrue, ctxFalse), ctxC: or(ctxFalse, ctxTrue), keyed, nested: or(and(yes, no), chain(asyncYes, or(no, err2))),
      denied: deny,
      resolverThrows: allow, resolverRejects: allow, resolverReturnsError: allow, asyncValue: allow, child: allow,
    },
    Child: { a: yes, '*': asyncNo },
  };
}

const rootValue = {
  ...Object.fromEntries(FIELDS.map((f) => [f, `value of ${f}`])),
  resolverThrows: () => {
    throw new BankError(ErrorCode.UPSTREAM_UNAVAILABLE, 'resolver threw');
  },
  resolverRejects: async () => {
    throw new BankError(ErrorCode.UPSTREAM_TIMEOUT, 'resolver rejected');
  },
  resolverReturnsError: () => new BankError(ErrorCode.BAD_USER_INPUT, 'resolver returned an error'),
  asyncValue: async () => 'later',
  child: { a: 'A', b: 'B' },
};

const fallbackError = () => new BankError(ErrorCode.FORBIDDEN, 'fallback');

/** data, and each error as "path: message (code)", sorted (the order of errors is not part of the contract). */
function comparable(result: ExecutionResult) {
  return {
    data: result.data,
    errors: (result.errors ?? []).map((e) => `${e.path?.join('.')}: ${e.message} (${String(e.extensions.code)})`).sort(),
  };
}

async function run(schema: GraphQLSchema, source: string, counts: Map<string, number>) {
  counts.clear();
  const result = await graphql({ schema, source, rootValue, contextValue: {} });
  return { ...comparable(result), counts: Object.fromEntries([...counts].sort()) };
}

describe('shieldMiddleware', () => {
  const query = `{ ${FIELDS.join(' ')} k2: keyed child { a b } }`;
  const shieldCounts = new Map<string, number>();
  const oursCounts = new Map<string, number>();
  const base = buildSchema(SDL);
  const withShield = applyMiddleware(
    buildSchema(SDL),
    shield(tree(shieldCounts), { fallbackRule: deny, allowExternalErrors: true, fallbackError }),
  );
  const withOurs = applyMiddleware(base, middleware((schema) => shieldMiddleware(schema, tree(oursCounts), fallbackError)));

  it('answers exactly what graphql-shield answers, field by field', async () => {
    const expected = await run(withShield, query, shieldCounts);
    const actual = await run(withOurs, query, oursCounts);
    expect(actual).toEqual(expected);
    // The test means something: allowed, denied, rule errors and resolver errors are all in there.
    expect(expected.data?.yes).toBe('value of yes');
    expect(expected.errors).toContain('andNoErr: err rule (FORBIDDEN)');
    expect(expected.errors).toContain('orErrErr: err rule (FORBIDDEN)');
    expect(expected.errors).toContain('chainNoErr: fallback (FORBIDDEN)');
    expect(expected.errors).toContain('notYesMsg: not allowed, says not (undefined)');
    expect(expected.errors).toContain('throws: fallback (FORBIDDEN)');
    expect(expected.errors).toContain('resolverRejects: resolver rejected (UPSTREAM_TIMEOUT)');
    expect(expected.errors).toContain('child.b: fallback (FORBIDDEN)');
    expect(expected.counts).toEqual({ 'ctx-false': 2, 'ctx-true': 1, keyed: 1 });
  });

  it('keeps a field synchronous when its rule and its resolver are', () => {
    const sync = applyMiddleware(buildSchema('type Query { a: String b: String }'), bankShield({ Query: { a: allow, b: isCustomer } }));
    const resolve = sync.getQueryType()?.getFields().a?.resolve;
    const resolveB = sync.getQueryType()?.getFields().b?.resolve;
    const ctx = { principal: { kind: 'customer', customerId: 'cust-0001' }, requestId: 'r' };
    // A graphql-shield middleware is an async function: its result would be a Promise.
    const info = (fieldName: string) => ({ fieldName }) as Parameters<NonNullable<typeof resolve>>[3];
    expect(resolve?.({ a: 'A' }, {}, ctx, info('a'))).toBe('A');
    expect(resolveB?.({ b: 'B' }, {}, ctx, info('b'))).toBe('B');
    const staff = { principal: { kind: 'staff', staffId: 's', role: 'support' }, requestId: 'r' };
    const denied = resolveB?.({ b: 'B' }, {}, staff, info('b'));
    expect(denied).toBeInstanceOf(BankError);
    expect((denied as BankError).message).toBe('Only customers can ask for this.');
  });

  it('refuses, when the subgraph is built, a rule it cannot evaluate as graphql-shield would', () => {
    const strict = rule({ cache: 'strict' })(() => true);
    expect(() => applyMiddleware(buildSchema('type Query { a: String }'), bankShield({ Query: { a: strict } }))).toThrow(/cache "strict"/);
    const input = inputRule()((yup) => yup.object({}));
    expect(() => applyMiddleware(buildSchema('type Query { a: String }'), bankShield({ Query: { a: input } }))).toThrow(/InputRule/);
  });
});
