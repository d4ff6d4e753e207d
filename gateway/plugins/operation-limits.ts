import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ParseOptions, type ValidationRule } from 'graphql';
import { ErrorCode } from '../../lib/errors.js';

/**
 * Operation limits: what one GraphQL document may ask for, checked before anything executes.
 *   maxTokens      graphql's own parser stops counting at the limit (parseOptions.maxTokens), so a token bomb costs
 *                  at most that much parsing: GRAPHQL_PARSE_FAILED, "Document contains more than N tokens".
 *   maxDepth, maxAliases, maxDirectives, maxCost
 *                  graphql-armor's validation rules: GRAPHQL_VALIDATION_FAILED with `extensions.limit` naming the
 *                  limit and a message saying it and what was found.
 * Each answers HTTP 400 with no `data`. Field suggestions are Apollo's `hideSchemaDetailsFromClientErrors` (server.ts),
 * not armor's, and batching stays off (`allowBatchedHttpRequests: false`).
 */
export interface OperationLimits {
  /** Deepest selection, fragments flattened; introspection excepted. @default 12 (OPERATION_MAX_DEPTH) */
  maxDepth: number;
  /** Aliases in one operation, `__typename` ones included. @default 15 (OPERATION_MAX_ALIASES) */
  maxAliases: number;
  /** Lexical tokens in the document. @default 2000 (OPERATION_MAX_TOKENS) */
  maxTokens: number;
  /** Directives in one operation. @default 50 (OPERATION_MAX_DIRECTIVES) */
  maxDirectives: number;
  /**
   * graphql-armor's cost: 2 per object field, 1 per scalar field, times 1.5 per level of depth, times a literal
   * `first`/`last` argument. The whole dashboard (schema/operations/Dashboard.graphql) costs about 240. High enough that
   * one oversized page (`transactions(first: 1000)`, about 7,900) still reaches the subgraph, whose BAD_USER_INPUT
   * names the argument; low enough to stop what no field sees alone: multiplying fragments, pages inside pages.
   * @default 10000 (OPERATION_MAX_COST)
   */
  maxCost: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxDepth: 12,
  maxAliases: 15,
  maxTokens: 2000,
  maxDirectives: 50,
  maxCost: 10_000,
};

const ENV: Record<keyof OperationLimits, string> = {
  maxDepth: 'OPERATION_MAX_DEPTH',
  maxAliases: 'OPERATION_MAX_ALIASES',
  maxTokens: 'OPERATION_MAX_TOKENS',
  maxDirectives: 'OPERATION_MAX_DIRECTIVES',
  maxCost: 'OPERATION_MAX_COST',
};

export function operationLimitsConfig(env: Record<string, string | undefined> = process.env): OperationLimits {
  const limits = { ...DEFAULT_OPERATION_LIMITS };
  for (const key of Object.keys(ENV) as (keyof OperationLimits)[]) {
    const raw = env[ENV[key]];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${ENV[key]} must be an integer >= 1, got "${raw}"`);
    limits[key] = n;
  }
  return limits;
}

/** What ApolloServer takes: its `parseOptions` and `validationRules`. */
export function operationLimits(limits: OperationLimits): { parseOptions: ParseOptions; validationRules: ValidationRule[] } {
  const reject = (limit: keyof OperationLimits) => ({
    // armor's default reports BAD_USER_INPUT; ours is the stable validation code, naming the limit.
    propagateOnRejection: false,
    onReject: [
      (context: { reportError(error: GraphQLError): void } | null, error: GraphQLError) =>
        context?.reportError(
          new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
            extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED, limit },
          }),
        ),
    ],
  });
  const { validationRules } = new ApolloArmor({
    blockFieldSuggestion: { enabled: false },
    maxTokens: { enabled: false },
    maxDepth: { n: limits.maxDepth, flattenFragments: true, ...reject('maxDepth') },
    // armor lets aliases of __typename through by default; 500 of them are an alias bomb all the same.
    maxAliases: { n: limits.maxAliases, allowList: [], ...reject('maxAliases') },
    maxDirectives: { n: limits.maxDirectives, ...reject('maxDirectives') },
    costLimit: { maxCost: limits.maxCost, ...reject('maxCost') },
  }).protect();
  return { parseOptions: { maxTokens: limits.maxTokens }, validationRules };
}
