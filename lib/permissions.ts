import { isIntrospectionType, isObjectType, type GraphQLFieldResolver, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { allow, deny, rule, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { middleware, type IMiddlewareFieldMap, type IMiddlewareGenerator, type IMiddlewareFunction } from 'graphql-middleware';
import { BankError, ErrorCode, forbidden } from './errors.js';
import { canReadAccount, canReadCustomer, type Principal } from './principal.js';
import { withScopeRules } from './scope-rules.js';

/**
 * Building blocks of every subgraph's `permissions.ts` (graphql-shield). Deny by default: a field without a rule is
 * FORBIDDEN. A denial is an error on that one field, never the whole answer; fields that can be denied are nullable.
 */

/** The part of every subgraph context that permission rules read. */
export interface PrincipalContext {
  readonly principal: Principal;
  readonly requestId: string;
}

// Rules read `parent`, so their results cannot be cached per request ('contextual') unless they ignore it.

/** A signed-in customer (any). */
export const isCustomer = rule({ cache: 'contextual' })(
  (_parent, _args, ctx: PrincipalContext) => ctx.principal.kind === 'customer' || forbidden('Only customers can ask for this.'),
);

/** Bank staff, any role. */
export const isStaff = rule({ cache: 'contextual' })(
  (_parent, _args, ctx: PrincipalContext) => ctx.principal.kind === 'staff' || forbidden('Only bank staff can ask for this.'),
);

/** The parent is a Customer (`{ id }`) the principal may read: their own, or any for staff. */
export const canReadThisCustomer = rule({ cache: 'no_cache' })(
  (parent: { id?: string }, _args, ctx: PrincipalContext) =>
    (typeof parent?.id === 'string' && canReadCustomer(ctx.principal, parent.id)) || forbidden(),
);

/** The parent carries a `customerId` (Account, Card) the principal may read. */
export const canReadOwnedObject = rule({ cache: 'no_cache' })(
  (parent: { customerId?: string }, _args, ctx: PrincipalContext) =>
    (typeof parent?.customerId === 'string' && canReadCustomer(ctx.principal, parent.customerId)) || forbidden(),
);

/** The parent is an Account (`{ id, customerId }`) the principal may read: partners only the consented accounts. */
export const canReadThisAccount = rule({ cache: 'no_cache' })(
  (parent: { id?: string; customerId?: string }, _args, ctx: PrincipalContext) =>
    (typeof parent?.id === 'string' &&
      typeof parent.customerId === 'string' &&
      canReadAccount(ctx.principal, { id: parent.id, customerId: parent.customerId })) ||
    forbidden(),
);

/** Staff (any customer), or a partner asking for the customer of its live consent (the `id` argument). */
export const isStaffOrPartnerOfCustomerInArgs = rule({ cache: 'no_cache' })((_parent, args: { id?: string }, ctx: PrincipalContext) => {
  const p = ctx.principal;
  if (p.kind === 'staff') return true;
  if (p.kind !== 'partner') return forbidden('Only bank staff can ask for this.');
  return (typeof args.id === 'string' && canReadCustomer(p, args.id)) || forbidden('This customer is not within your consent.');
});

/** Federation's own entry points: the signed context was already verified before execution started. */
export const FEDERATION_RULES = {
  Query: { _service: allow, _entities: allow },
  _Service: allow,
} as const;

/**
 * A subgraph's permissions: its rule tree, deny by default, with partner access derived from the schema it is applied
 * to. When the subgraph is built, every field's `@scopes(requires: [...])` becomes a gate in front of the field's rule
 * (lib/scope-rules.ts): a partner needs the scopes and a live consent, and a field without `@scopes` is closed to
 * partners. Customers and staff meet the rule tree alone.
 *
 * The rules are graphql-shield's and mean exactly what they mean to graphql-shield (its own `shield()` still checks
 * the tree when the subgraph is built), but they are evaluated by `shieldMiddleware` below rather than by shield's
 * middleware, which is an async function around every field: every scalar of every row became a promise, and that,
 * not the rules, was most of a subgraph's CPU time per request (issue 7's profile). Evaluated synchronously when
 * the rules and the resolver are, a field stays synchronous.
 */
export function bankShield(rules: IRules): IMiddlewareGenerator<unknown, unknown, unknown> {
  const fallbackError = () => new BankError(ErrorCode.FORBIDDEN, 'You are not allowed to see this.');
  return middleware((schema) => {
    const tree = withScopeRules(rules, schema, deny);
    // graphql-shield's own checks of the tree (rule names, types and fields that exist); its middleware is not used.
    shield(tree, { fallbackRule: deny, allowExternalErrors: true, fallbackError }).generate(schema);
    return shieldMiddleware(schema, tree, fallbackError);
  }) as IMiddlewareGenerator<unknown, unknown, unknown>;
}

/** What a graphql-shield rule resolves to: allowed, denied (the fallback error), or denied with this error. */
type Verdict = boolean | Error;
type Evaluate = (parent: unknown, args: unknown, ctx: ShieldContext, info: GraphQLResolveInfo) => Verdict | Promise<Verdict>;

/** graphql-shield keeps the per-request cache of its `contextual` rules on the context; so do we (same place). */
interface ShieldContext {
  _shield: { cache: Record<string, unknown> };
}

/** The parts of graphql-shield's rule classes read here (they are not exported; shield itself tells them by name). */
interface ShieldRuleShape {
  readonly constructor: { readonly name: string };
  readonly name?: string;
  readonly func?: (parent: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => unknown;
  readonly cache?: unknown;
  readonly error?: Error;
  getRules?(): readonly unknown[];
}

/**
 * The field middleware of a whole rule tree (as withScopeRules returns it: every field of every object type), with
 * graphql-shield's semantics (graphql-shield 7.6, generator.js and rules.js), option by option as bankShield sets
 * them: `debug: false` (a rule that throws denies), `allowExternalErrors: true` (an error of the resolver is the
 * field's error), `fallbackError` for a plain denial. A rule result of `true` runs the resolver; `false` answers the
 * fallback error; an Error (or a string, made an Error) is the field's error. Logic rules combine results as shield
 * does, including which error wins (`and`/`or` evaluate every rule and answer the first error in order).
 */
export function shieldMiddleware(schema: GraphQLSchema, tree: IRules, fallbackError: () => Error): IMiddlewareFieldMap {
  const compiled = new Map<unknown, Evaluate>();
  const evaluatorOf = (r: unknown): Evaluate => {
    let evaluate = compiled.get(r);
    if (!evaluate) {
      evaluate = compile(r as ShieldRuleShape, evaluatorOf);
      compiled.set(r, evaluate);
    }
    return evaluate;
  };
  const map: IMiddlewareFieldMap = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const forType = isShieldRule(tree) ? tree : (tree as Record<string, unknown>)[type.name];
    const fields: Record<string, IMiddlewareFunction> = {};
    for (const field of Object.keys(type.getFields())) {
      let fieldRule: unknown = deny;
      if (isShieldRule(forType)) fieldRule = forType;
      else if (forType && typeof forType === 'object') {
        const byField = forType as Record<string, unknown>;
        fieldRule = byField[field] ?? byField['*'] ?? deny;
      }
      fields[field] = guardField(evaluatorOf(fieldRule), fallbackError);
    }
    map[type.name] = fields;
  }
  return map;
}

function isShieldRule(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const name = (x as ShieldRuleShape).constructor?.name;
  return name === 'Rule' || name === 'InputRule' || LOGIC_RULES.has(name);
}

const LOGIC_RULES = new Set(['RuleAnd', 'RuleOr', 'RuleChain', 'RuleRace', 'RuleNot', 'RuleTrue', 'RuleFalse']);

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** graphql-shield's Rule.resolve: an Error stays, a string becomes one, `true` allows, anything else denies. */
function verdictOf(result: unknown): Verdict {
  if (result instanceof Error) return result;
  if (typeof result === 'string') return new Error(result);
  return result === true;
}

function denies(): Verdict {
  return false;
}

// Note on style: the functions below run for every field of every row. They allocate no closure on the synchronous
// path (tsx/esbuild also names each closure it creates, which costs more than the closure), so the per-request state
// is passed as arguments to module-level functions, and closures are only made once a promise is in the way.

function allows(): Verdict {
  return true;
}

function compile(r: ShieldRuleShape, evaluatorOf: (r: unknown) => Evaluate): Evaluate {
  const kind = r.constructor.name;
  switch (kind) {
    case 'RuleTrue':
      return allows;
    case 'RuleFalse':
      return denies;
    case 'Rule':
      return compileRule(r);
    case 'RuleChain':
    case 'RuleRace': {
      // In order, stopping at the first result that is not `true` (chain) or that is `true` (race).
      const rules = (r.getRules?.() ?? []).map(evaluatorOf);
      const race = kind === 'RuleRace';
      return (parent, args, ctx, info) => inOrder(rules, race, 0, undefined, parent, args, ctx, info);
    }
    case 'RuleAnd':
    case 'RuleOr':
    case 'RuleNot': {
      // Every rule evaluated (shield's Promise.all), then combined.
      const rules = (r.getRules?.() ?? []).map(evaluatorOf);
      const error = r.error;
      return (parent, args, ctx, info) => {
        const results: (Verdict | Promise<Verdict>)[] = [];
        let pending = false;
        for (const evaluate of rules) {
          const v = evaluate(parent, args, ctx, info);
          pending ||= isThenable(v);
          results.push(v);
        }
        return pending ? Promise.all(results).then((all) => combine(kind, all, error)) : combine(kind, results as Verdict[], error);
      };
    }
    default:
      // InputRule ('strict' cache, yup) and anything newer: refused when the subgraph is built, never guessed at.
      throw new Error(`bankShield cannot evaluate a graphql-shield ${kind}: use rule(), allow, deny, and, or, chain, race or not`);
  }
}

/** chain (race): evaluates rules[from...] in order until one is not `true` (is `true`), as shield's iterate(). */
function inOrder(
  rules: readonly Evaluate[],
  race: boolean,
  from: number,
  seen: Verdict[] | undefined,
  parent: unknown,
  args: unknown,
  ctx: ShieldContext,
  info: GraphQLResolveInfo,
): Verdict | Promise<Verdict> {
  for (let k = from; k < rules.length; k++) {
    const v = rules[k]!(parent, args, ctx, info);
    if (isThenable(v)) {
      return Promise.resolve(v).then((settled) => {
        if (race ? settled === true : settled !== true) return settled;
        return inOrder(rules, race, k + 1, race ? [...(seen ?? []), settled] : seen, parent, args, ctx, info);
      });
    }
    if (race ? v === true : v !== true) return v;
    if (race) (seen ??= []).push(v);
  }
  // chain: all true. race: none true, so the first error among them, else false.
  return race ? (seen?.find((v) => v instanceof Error) ?? false) : true;
}

/** and / or / not over every rule's result, as shield's RuleAnd, RuleOr and RuleNot. */
function combine(kind: string, results: readonly Verdict[], error: Error | undefined): Verdict {
  if (kind === 'RuleNot') return results[0] !== true ? true : (error ?? false);
  const allowed = kind === 'RuleAnd' ? results.every((v) => v === true) : results.some((v) => v === true);
  if (allowed) return true;
  for (const v of results) if (v instanceof Error) return v;
  return false;
}

/** One `rule()`: its function, through the per-request cache its `cache` option asks for; a throw denies. */
function compileRule(r: ShieldRuleShape): Evaluate {
  const { func, cache, name = '' } = r;
  if (typeof func !== 'function') throw new Error(`graphql-shield rule "${name}" has no function`);
  if (cache !== 'no_cache' && cache !== 'contextual' && typeof cache !== 'function') {
    throw new Error(`bankShield cannot evaluate rule "${name}" with cache ${JSON.stringify(cache)}: use 'contextual' or 'no_cache'`);
  }
  return (parent, args, ctx, info) => {
    let result: unknown;
    try {
      if (cache === 'no_cache') {
        result = func(parent, args, ctx, info);
      } else {
        const key = cache === 'contextual' ? name : `${name}-${String((cache as (...a: unknown[]) => unknown)(parent, args, ctx, info))}`;
        // As shield's writeToCache: a falsy cached result is computed again.
        if (!ctx._shield.cache[key]) ctx._shield.cache[key] = func(parent, args, ctx, info);
        result = ctx._shield.cache[key];
      }
    } catch {
      return false;
    }
    return isThenable(result) ? Promise.resolve(result).then(verdictOf, denies) : verdictOf(result);
  };
}

function returnsError(err: unknown): unknown {
  return err;
}

/** Runs the resolver once allowed; a thrown or rejected error becomes the field's error value (shield's). */
function decide(
  verdict: Verdict,
  fallbackError: () => Error,
  resolve: GraphQLFieldResolver<unknown, unknown>,
  parent: unknown,
  args: unknown,
  ctx: ShieldContext,
  info: GraphQLResolveInfo,
): unknown {
  if (verdict !== true && verdict !== false) return verdict;
  let out: unknown;
  try {
    out = verdict ? resolve(parent, args as Record<string, unknown>, ctx, info) : fallbackError();
  } catch (err) {
    return err;
  }
  return isThenable(out) ? Promise.resolve(out).then(undefined, returnsError) : out;
}

/** graphql-shield's field middleware (generator.js), synchronous whenever the rule and the resolver are. */
function guardField(evaluate: Evaluate, fallbackError: () => Error): IMiddlewareFunction {
  const guard = (resolve: GraphQLFieldResolver<unknown, unknown>, parent: unknown, args: unknown, context: unknown, info: GraphQLResolveInfo): unknown => {
    const ctx = (context ?? {}) as ShieldContext;
    ctx._shield ??= { cache: {} };
    const verdict = evaluate(parent, args, ctx, info);
    return isThenable(verdict)
      ? Promise.resolve(verdict).then((v) => decide(v, fallbackError, resolve, parent, args, ctx, info), returnsError)
      : decide(verdict, fallbackError, resolve, parent, args, ctx, info);
  };
  // graphql-middleware types a middleware's result as a Promise, but hands whatever it returns to graphql-js as the
  // resolver's result (applicator.mjs): a plain value is what keeps the field synchronous.
  return guard as unknown as IMiddlewareFunction;
}

/**
 * Support staff see customers' contact details masked: enough to confirm who is on the phone, not to copy them.
 * Owners and operations see them whole.
 */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `***${digits.slice(-4)}`;
}

export { allow, deny };
