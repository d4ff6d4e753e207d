import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { BankError, ErrorCode, HTTP_STATUS } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { RateLimiter } from '../../lib/rate-limit.js';
import type { GatewayContext } from '../context.js';

/**
 * Rate limits (lib/rate-limit.ts) once the operation is known, i.e. after parsing and validation (which the operation
 * limits keep cheap) and before anything executes. A refusal is RATE_LIMITED with HTTP 429, a `Retry-After` header and
 * `extensions.retryAfterSeconds`, and no `data`.
 *
 * When the store cannot be reached the request goes ahead (and the failure is logged): losing the limiter must not
 * take the bank's apps down with it.
 */
export function rateLimitPlugin(limiter: RateLimiter, logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operationName, contextValue }) {
          let decision;
          try {
            decision = await limiter.take(contextValue.principal, operationName);
          } catch (err) {
            logger.error({ requestId: contextValue.requestId, err }, 'rate limiter unavailable: request let through');
            return;
          }
          if (decision.allowed) return;
          const { retryAfterSeconds, bucket } = decision;
          const what = bucket === 'operation' ? `calls to ${operationName ?? 'anonymous operations'}` : 'requests';
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
