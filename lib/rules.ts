import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { Principal } from './principal.js';

/**
 * Field permission rules: our own small rule type, applied to every field of a schema, deny by default. Nothing here
 * reads another library's internals: a rule is a plain synchronous function, and `guardSchema` wraps each field's
 * resolver through @graphql-tools/utils' public `mapSchema`. Synchronous by type, so a field whose resolver is
 * synchronous stays synchronous (an async wrapper around every field was most of a subgraph's CPU per request,
 * issue 7's profile).
 */

/** The part of every subgraph context that rules read. */
export interface PrincipalContext {
  readonly principal: Principal;
  readonly requestId: string;
}

/** What a rule answers: `true` allows; `false` denies with the fallback error; an Error denies with that error. */
export type Verdict = boolean | Error;

export interface Rule {
  readonly name: string;
  /** Never throws: a rule function that throws denies (the fallback error). */
  readonly check: (parent: unknown, args: Readonly<Record<string, unknown>>, ctx: PrincipalContext, info: GraphQLResolveInfo) => Verdict;
}

/**
 * A rule from a synchronous function. `TParent` and `TArgs` say what the function reads; they are not checked at run
 * time (the parent is whatever the parent field resolved to), so a rule checks what it relies on.
 */
export function rule<TParent = unknown, TArgs = Readonly<Record<string, unknown>>>(
  name: string,
  fn: (parent: TParent, args: TArgs, ctx: PrincipalContext, info: GraphQLResolveInfo) => Verdict,
): Rule {
  const check: Rule['check'] = (parent, args, ctx, info) => {
    try {
      const verdict = fn(parent as TParent, args as TArgs, ctx, info);
      return verdict === true || verdict instanceof Error ? verdict : false;
    } catch {
      return false;
    }
  };
  return { name, check };
}

/** Allows. */
export const allow: Rule = { name: 'allow', check: () => true };
/** Denies with the fallback error: what every field without a rule gets. */
export const deny: Rule = { name: 'deny', check: () => false };

/** Each rule in order until one does not allow: its answer; `true` when all allow. */
export function and(...rules: readonly Rule[]): Rule {
  return {
    name: `and(${rules.map((r) => r.name).join(',')})`,
    check: (parent, args, ctx, info) => {
      for (const r of rules) {
        const v = r.check(parent, args, ctx, info);
        if (v !== true) return v;
      }
      return true;
    },
  };
}

/** `true` when any rule allows; otherwise the first error among their answers, or `false`. */
export function or(...rules: readonly Rule[]): Rule {
  return {
    name: `or(${rules.map((r) => r.name).join(',')})`,
    check: (parent, args, ctx, info) => {
      let denial: Verdict = false;
      for (const r of rules) {
        const v = r.check(parent, args, ctx, info);
        if (v === true) return true;
        if (denial === false && v instanceof Error) denial = v;
      }
      return denial;
    },
  };
}

/** Allows what `r` does not allow; denies (with `error`, else the fallback error) what it allows. */
export function not(r: Rule, error?: () => Error): Rule {
  return { name: `not(${r.name})`, check: (parent, args, ctx, info) => (r.check(parent, args, ctx, info) === true ? (error?.() ?? false) : true) };
}

/**
 * Wraps the resolver of every field of every object type of `schema` (introspection aside) with the rule `ruleOf`
 * gives it: the resolver runs only when the rule answers `true`; otherwise the field's value is the rule's error, or
 * `fallbackError()`. `ruleOf` answers every field (deny by default is the caller's: `deny` for a field it has no rule
 * for). Returns a new schema; `schema` is left as it was.
 */
export function guardSchema(schema: GraphQLSchema, ruleOf: (type: string, field: string) => Rule, fallbackError: () => Error): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (config, field, type) => ({ ...config, resolve: guard(ruleOf(type, field), config.resolve ?? defaultFieldResolver, fallbackError) }),
  });
}

function guard(r: Rule, resolve: GraphQLFieldResolver<unknown, unknown>, fallbackError: () => Error): GraphQLFieldResolver<unknown, unknown> {
  const check = r.check;
  return (parent, args, ctx, info) => {
    const verdict = check(parent, args, ctx as PrincipalContext, info);
    if (verdict === true) return resolve(parent, args, ctx, info);
    // graphql-js makes an Error value the field's error, as if the resolver had thrown it.
    return verdict === false ? fallbackError() : verdict;
  };
}
