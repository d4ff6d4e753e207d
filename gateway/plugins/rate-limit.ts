import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { Kind, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { BankError, ErrorCode, HTTP_STATUS } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { RateLimiter } from '../../lib/rate-limit.js';
import type { GatewayContext } from '../context.js';
import type { GatewayMetrics } from './metrics.js';

/**
 * Rate limits (lib/rate-limit.ts) once the operation is known, i.e. after parsing and validation (which the operation
 * limits keep cheap) and before anything executes. A refusal is RATE_LIMITED with HTTP 429, a `Retry-After` header and
 * `extensions.retryAfterSeconds`, and no `data`.
 *
 * When the store cannot be reached the request goes ahead (and the failure is logged): losing the limiter must not
 * take the bank's apps down with it. Only the store's failures are let through: a bug of the limiter itself (a
 * TypeError, a RangeError) fails the request rather than switching limits off. Refusals are counted in `metrics`
 * (bankgraph_gateway_rate_limited_total) when given.
 */
export function rateLimitPlugin(
  limiter: RateLimiter,
  logger: Logger,
  metrics?: Pick<GatewayMetrics, 'rateLimited'>,
  /** What runs once the request is within the limits (plugins/consent.ts: the partner's consent, counted). */
  admitted: (contextValue: GatewayContext) => Promise<void> = async () => {},
): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
          let decision;
          try {
            decision = await limiter.take(contextValue.principal, operation ? rootFieldsOf(operation.selectionSet, fragments) : []);
          } catch (err) {
            if (err instanceof TypeError || err instanceof RangeError) throw err;
            logger.error({ requestId: contextValue.requestId, err }, 'rate limiter unavailable: request let through');
            return admitted(contextValue);
          }
          if (decision.allowed) return admitted(contextValue);
          const { retryAfterSeconds, bucket } = decision;
          metrics?.rateLimited(bucket, contextValue.principal.kind);
          const what = bucket === 'operation' ? `calls to ${decision.field}` : 'requests';
          throw new BankError(ErrorCode.RATE_LIMITED, `Too many ${what}: try again in ${retryAfterSeconds} s.`, {
            extensions: {
              retryAfterSeconds,
              http: {
                status: HTTP_STATUS[ErrorCode.RATE_LIMITED],
                headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]),
              },
            },
          });
        },
      };
    },
  };
}

/** The schema fields an operation selects at its root, through inline fragments and fragment spreads. */
export function rootFieldsOf(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen = new Set<string>()): string[] {
  const out: string[] = [];
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) out.push(sel.name.value);
    else if (sel.kind === Kind.INLINE_FRAGMENT) out.push(...rootFieldsOf(sel.selectionSet, fragments, seen));
    else if (!seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      const fragment = fragments[sel.name.value];
      if (fragment) out.push(...rootFieldsOf(fragment.selectionSet, fragments, seen));
    }
  }
  return out;
}
