import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { isShownAsIs, maskFormattedError } from '../../lib/error-masking.js';
import { ErrorCode } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { GatewayContext } from '../context.js';

/**
 * Error masking at the edge (the decision itself is lib/error-masking.ts, shared with the subgraphs): `maskError` is
 * Apollo's `formatError`, judging by code alone (what a subgraph sent was judged there); the plugin logs each masked
 * original with the request id and adds the request id to what the client sees.
 */

/** Apollo's `formatError`. */
export function maskError(formatted: GraphQLFormattedError, _original?: unknown): GraphQLFormattedError {
  return maskFormattedError(formatted);
}

export function errorMaskingPlugin(logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (isShownAsIs(error.extensions.code)) continue;
            logger.error(
              {
                requestId: contextValue.requestId,
                service: error.extensions.serviceName,
                path: error.path?.join('.'),
                err: error.originalError ?? error,
              },
              'unexpected error (masked for the client)',
            );
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          const { requestId } = contextValue;
          const withId = (e: GraphQLFormattedError): GraphQLFormattedError =>
            e.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR ? { ...e, extensions: { ...e.extensions, requestId } } : e;
          response.body.singleResult.errors = withoutRepeats(response.body.singleResult.errors).map(withId);
        },
      };
    },
  };
}

/**
 * One unreachable subgraph fails every fetch the plan sends it (a root field and an entity fetch, say), each with the
 * same path-less error: the client needs to hear it once.
 */
function withoutRepeats(errors: readonly GraphQLFormattedError[]): GraphQLFormattedError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (e.path) return true;
    const key = JSON.stringify([e.message, e.extensions]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
