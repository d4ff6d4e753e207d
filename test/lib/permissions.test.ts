import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildSchema,
  graphql,
  isIntrospectionType,
  isObjectType,
  parse,
  type DocumentNode,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { BankError, ErrorCode } from '../../lib/errors.js';
import { allow, and, definePermissions, deny, isCustomer, not, or, rule, type Permissions, type PrincipalContext } from '../../lib/permissions.js';
import { subgraphSchema } from '../../lib/subgraph-server.js';
import { permissions as accountsPermissions } from '../../subgraphs/accounts/permissions.js';
import { resolvers as accountsResolvers } from '../../subgraphs/accounts/resolvers.js';
import { typeDefs as accountsTypeDefs } from '../../subgraphs/accounts/server.js';
import { permissions as cardsPermissions } from '../../subgraphs/cards/permissions.js';
import { resolvers as cardsResolvers } from '../../subgraphs/cards/resolvers.js';
import { typeDefs as cardsTypeDefs } from '../../subgraphs/cards/server.js';
import { permissions as journeysPermissions } from '../../subgraphs/journeys/permissions.js';
import { resolvers as journeysResolvers } from '../../subgraphs/journeys/resolvers.js';
import { typeDefs as journeysTypeDefs } from '../../subgraphs/journeys/server.js';
import { permissions as kycPermissions } from '../../subgraphs/kyc/permissions.js';
import { resolvers as kycResolvers } from '../../subgraphs/kyc/resolvers.js';
import { typeDefs as kycTypeDefs } from '../../subgraphs/kyc/server.js';
import { permissions as walletPermissions } from '../../subgraphs/wallet/permissions.js';
import { resolvers as walletResolvers } from '../../subgraphs/wallet/resolvers.js';
import { typeDefs as walletTypeDefs } from '../../subgraphs/wallet/server.js';

/**
 * lib/rules.ts and lib/permissions.ts: our own rule type, applied to every field, deny by default. The decisions of
 * the real subgraphs are kept by test/lib/permission-decisions.test.ts; here, what each combinator means, and a walk
 * over every field of every subgraph's composed schema.
 */

const CUSTOMER: PrincipalContext = { principal: { kind: 'customer', customerId: 'cust-0001' }, requestId: 'r' };
const STAFF: PrincipalContext = { principal: { kind: 'staff', staffId: 's', role: 'operations' }, requestId: 'r' };
/** Every scope there is, but no live consent: every field a partner may ever see checks the consent first. */
const PARTNER_WITHOUT_CONSENT: PrincipalContext = {
  principal: { kind: 'partner', clientId: 'p', scopes: ['accounts:basic', 'accounts:detail', 'balances:read', 'transactions:read', 'party:read', 'payments:initiate'], consent: null },
  requestId: 'r',
};

const err = (m: string) => rule('err', () => new BankError(ErrorCode.FORBIDDEN, m));
const yes = rule('yes', () => true);
const no = rule('no', () => false);
const throws = rule('throws', () => {
  throw new Error('a bug in a rule');
});

describe('rules', () => {
  const schema = definePermissions({
    Query: {
      yes,
      no,
      err: err('err rule'),
      throws,
      andYes: and(yes, allow),
      andNoErr: and(no, err('after no')),
      andErrNo: and(err('first error'), no),
      orNoYes: or(no, yes),
      orNoErrErr: or(no, err('first of or'), err('second of or')),
      orNoNo: or(no, deny),
      notYes: not(yes),
      notYesErr: not(yes, () => new BankError(ErrorCode.FORBIDDEN, 'not says no')),
      notNo: not(no),
      notThrows: not(throws),
      denied: deny,
      child: allow,
      resolverThrows: allow,
    },
    Child: yes,
  }).apply(
    buildSchema(`type Query {
      yes: String no: String err: String throws: String andYes: String andNoErr: String andErrNo: String orNoYes: String
      orNoErrErr: String orNoNo: String notYes: String notYesErr: String notNo: String notThrows: String denied: String
      missing: String child: Child resolverThrows: String
    }
    type Child { a: String b: String }`),
  );
  const fields = Object.keys(schema.getQueryType()?.getFields() ?? {}).filter((f) => f !== 'child' && f !== 'resolverThrows');
  const rootValue = {
    ...Object.fromEntries(fields.map((f) => [f, `value of ${f}`])),
    child: { a: 'A', b: 'B' },
    resolverThrows: () => {
      throw new BankError(ErrorCode.UPSTREAM_UNAVAILABLE, 'resolver threw');
    },
  };

  it('combine as documented: true allows, false is the fallback error, an Error is the field\'s error; a throw denies', async () => {
    const answer = await graphql({ schema, source: `{ ${fields.join(' ')} child { a b } resolverThrows }`, rootValue, contextValue: CUSTOMER });
    const outcome = Object.fromEntries(fields.map((f) => [f, answer.data?.[f] === `value of ${f}` ? 'allowed' : 'denied']));
    expect(outcome).toEqual({
      yes: 'allowed', no: 'denied', err: 'denied', throws: 'denied', andYes: 'allowed', andNoErr: 'denied', andErrNo: 'denied',
      orNoYes: 'allowed', orNoErrErr: 'denied', orNoNo: 'denied', notYes: 'denied', notYesErr: 'denied', notNo: 'allowed',
      notThrows: 'allowed', denied: 'denied', missing: 'denied',
    });
    expect(answer.data?.child).toEqual({ a: 'A', b: 'B' });
    expect(answer.errors?.map((e) => `${e.path?.join('.')}: ${String(e.extensions.code)}: ${e.message}`).sort()).toEqual([
      'andErrNo: FORBIDDEN: first error',
      'andNoErr: FORBIDDEN: You are not allowed to see this.',
      'denied: FORBIDDEN: You are not allowed to see this.',
      'err: FORBIDDEN: err rule',
      'missing: FORBIDDEN: You are not allowed to see this.',
      'no: FORBIDDEN: You are not allowed to see this.',
      'notYes: FORBIDDEN: You are not allowed to see this.',
      'notYesErr: FORBIDDEN: not says no',
      'orNoErrErr: FORBIDDEN: first of or',
      'orNoNo: FORBIDDEN: You are not allowed to see this.',
      'resolverThrows: UPSTREAM_UNAVAILABLE: resolver threw',
      'throws: FORBIDDEN: You are not allowed to see this.',
    ]);
  });

  it('keeps a field synchronous when its resolver is, allowed or denied', () => {
    const sync = definePermissions({ Query: { a: allow, b: isCustomer } }).apply(buildSchema('type Query { a: String b: String }'));
    const field = (name: string) => sync.getQueryType()?.getFields()[name]?.resolve;
    const info = { fieldName: 'a' } as GraphQLResolveInfo; // the rules here read no info; the default resolver reads fieldName
    expect(field('a')?.({ a: 'A' }, {}, CUSTOMER, info)).toBe('A');
    const denied = field('b')?.({ b: 'B' }, {}, STAFF, { fieldName: 'b' } as GraphQLResolveInfo);
    expect(denied).toBeInstanceOf(BankError);
    expect((denied as BankError).message).toBe('Only customers can ask for this.');
  });

  it('denies a field named like an Object property ("constructor") that has no rule of its own', async () => {
    const schema = definePermissions({ Query: { a: allow } }).apply(buildSchema('type Query { a: String constructor: String }'));
    const answer = await graphql({ schema, source: '{ a constructor }', rootValue: { a: 'A', constructor: 'C' }, contextValue: CUSTOMER });
    expect(answer.data).toEqual({ a: 'A', constructor: null });
    expect(answer.errors?.map((e) => e.message)).toEqual(['You are not allowed to see this.']);
  });

  it('refuses, when the subgraph is built, a rule for a type or field the schema does not have', () => {
    const schema = buildSchema('type Query { a: String }');
    expect(() => definePermissions({ Query: { a: allow, b: allow } }).apply(schema)).toThrow('permissions name what the schema does not have: Query.b');
    expect(() => definePermissions({ Query: allow, Acount: allow }).apply(schema)).toThrow('permissions name what the schema does not have: Acount');
  });
});

interface Subgraph {
  readonly typeDefs: DocumentNode;
  readonly resolvers: Readonly<Record<string, unknown>>;
  readonly permissions: Permissions;
}

const SUBGRAPHS: Record<string, Subgraph> = {
  accounts: { typeDefs: accountsTypeDefs, resolvers: accountsResolvers, permissions: accountsPermissions },
  cards: { typeDefs: cardsTypeDefs, resolvers: cardsResolvers, permissions: cardsPermissions },
  kyc: { typeDefs: kycTypeDefs, resolvers: kycResolvers, permissions: kycPermissions },
  wallet: { typeDefs: walletTypeDefs, resolvers: walletResolvers, permissions: walletPermissions },
  journeys: { typeDefs: journeysTypeDefs, resolvers: journeysResolvers, permissions: journeysPermissions },
};

/** Federation's entry points, open to whoever holds a signed context (their entities' fields check themselves). */
const FEDERATION_FIELDS = ['Query._entities', 'Query._service', '_Service.sdl'];

/** Every field of every object type of the schema a subgraph serves (introspection aside), as `Type.field`. */
function everyField(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    for (const field of Object.keys(type.getFields())) out.push(`${type.name}.${field}`);
  }
  return out;
}

/** Calls the served resolver of `Type.field` as graphql-js would, with an empty parent and no arguments. */
function call(schema: GraphQLSchema, where: string, ctx: PrincipalContext): unknown {
  const [typeName = '', fieldName = ''] = where.split('.');
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
  const field = type.getFields()[fieldName];
  if (!field?.resolve) throw new Error(`${where} has no resolver: nothing guards it`);
  // Only what rules and the default resolver read; a field a rule lets through would need the rest.
  const info = { fieldName, parentType: type, schema } as GraphQLResolveInfo;
  return field.resolve({}, {}, ctx, info);
}

function refusal(value: unknown): string | undefined {
  return value instanceof BankError ? `${value.code}: ${value.message}` : undefined;
}

describe('deny by default, over every field of every subgraph\'s composed schema', () => {
  const UNRULED = parse(`extend type Query { unruledField: String @scopes(requires: []) } type UnruledType { x: String }
    extend type Query { unruledTyped: UnruledType @scopes(requires: []) }`);

  for (const [name, sg] of Object.entries(SUBGRAPHS)) {
    it(`${name}: every field is guarded, and each one permissions.ts has no rule for is denied to everyone`, () => {
      // The subgraph as served, plus a field and a type its permissions.ts does not name.
      const schema = subgraphSchema({ ...sg, typeDefs: { ...sg.typeDefs, definitions: [...sg.typeDefs.definitions, ...UNRULED.definitions] } });
      const fields = everyField(schema);
      expect(fields).toEqual(expect.arrayContaining([...FEDERATION_FIELDS, 'Query.unruledField', 'Query.unruledTyped', 'UnruledType.x']));

      // A partner with every scope and no consent meets a refusal on every field but federation's own (allowed: their
      // resolvers would run, so they are not called here).
      const open = fields.filter((f) => !FEDERATION_FIELDS.includes(f) && refusal(call(schema, f, PARTNER_WITHOUT_CONSENT)) === undefined);
      expect(open).toEqual([]);

      // No rule: denied, whoever asks.
      const unruled = fields.filter((f) => {
        const [type = '', field = ''] = f.split('.');
        return sg.permissions.ruleOf(type, field) === undefined;
      });
      expect(unruled).toEqual(['Query.unruledField', 'Query.unruledTyped', 'UnruledType.x']);
      for (const f of unruled) {
        for (const ctx of [CUSTOMER, STAFF]) expect(refusal(call(schema, f, ctx)), `${f} for ${ctx.principal.kind}`).toBe('FORBIDDEN: You are not allowed to see this.');
      }
    });
  }

  it('leaves no field of the supergraph out: each is a field of a subgraph walked above', () => {
    const walked = new Set(Object.values(SUBGRAPHS).flatMap((sg) => everyField(subgraphSchema(sg))));
    const supergraph = buildSchema(
      // The supergraph's own join/link machinery is not served by any subgraph.
      readSupergraph(),
      { assumeValidSDL: true },
    );
    const missing = everyField(supergraph).filter((f) => !f.startsWith('join__') && !f.startsWith('link__') && !walked.has(f));
    expect(missing).toEqual([]);
  });
});

function readSupergraph(): string {
  // Read here rather than at import, so a missing file fails this test alone.
  return readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
}

describe('what enforces permissions', () => {
  it('is lib/rules.ts alone: no code imports graphql-shield or graphql-middleware, nor does package.json list them', () => {
    const root = new URL('../..', import.meta.url);
    const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const importing = files.filter((f) => /from ['"]graphql-(shield|middleware)['"]/.test(readFileSync(new URL(f, root), 'utf8')));
    expect(importing).toEqual([]);
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).filter((d) => d === 'graphql-shield' || d === 'graphql-middleware')).toEqual([]);
  });
});
