import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import { BankError, ErrorCode, HTTP_STATUS } from '../../lib/errors.js';
import type { GatewayContext } from '../context.js';

/**
 * A document whose operation cannot be chosen (an `operationName` it does not define, or several operations and no
 * `operationName`) is the client's mistake: 400 OPERATION_RESOLUTION_FAILURE (Apollo's own code for it) naming what
 * the document has, before anything runs. Left to @apollo/gateway's executor it was a 500 with an error-level stack,
 * for documents and persisted operations alike (issue 11, item 3).
 */
export function operationResolutionPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (operation) return;
          const names = document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value ?? '(anonymous)'] : []));
          const listed = names.length > 0 ? names.join(', ') : 'none';
          const message =
            typeof request.operationName === 'string' && request.operationName !== ''
              ? `The document has no operation named "${request.operationName}" (it has: ${listed}).`
              : `The document has ${names.length} operations (${listed}): say which one to run with operationName.`;
          throw new BankError(ErrorCode.OPERATION_RESOLUTION_FAILURE, message, {
            extensions: { http: { status: HTTP_STATUS[ErrorCode.OPERATION_RESOLUTION_FAILURE] } },
          });
        },
      };
    },
  };
}
