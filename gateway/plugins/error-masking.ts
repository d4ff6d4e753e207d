import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, isPublicCode } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { GatewayContext } from '../context.js';

/**
 * Error masking: only deliberate errors reach a client. An error passes with its message when its `extensions.code`
 * is one of ours (lib/errors.ts ErrorCode) or one of Apollo's request-level codes; everything else, including any
 * error Apollo labelled INTERNAL_SERVER_ERROR because it had no code, becomes "Unexpected error." with the request id,
 * and the original goes to the log only. Stacks, `exception`, subgraph response bodies and `serviceName` are never
 * shown. `maskError` is Apollo's `formatError`; the plugin logs originals and adds the request id.
 */

export const UNEXPECTED_MESSAGE = 'Unexpected error.';

/** Apollo Server's own request-level codes not already in ErrorCode (which has BAD_REQUEST, BAD_USER_INPUT, ...). */
const APOLLO_REQUEST_CODES: ReadonlySet<string> = new Set([
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Never shown, whatever the code: stacks, legacy bodies, Apollo's internal routing and HTTP hints. */
const HIDDEN_EXTENSIONS: ReadonlySet<string> = new Set(['exception', 'stacktrace', 'serviceName', 'response', 'http']);

/** True when an error with this code is shown to the client as it is. */
export function isShownAsIs(code: unknown): boolean {
  if (code === ErrorCode.INTERNAL_SERVER_ERROR) return false;
  return isPublicCode(code) || (typeof code === 'string' && APOLLO_REQUEST_CODES.has(code));
}

/** Apollo's `formatError`. */
export function maskError(formatted: GraphQLFormattedError, _original?: unknown): GraphQLFormattedError {
  const where = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  if (!isShownAsIs(formatted.extensions?.code)) {
    // A request id set by the edge (an error before Apollo's plugins run) is ours and safe; nothing else survives.
    const requestId = formatted.extensions?.requestId;
    return {
      message: UNEXPECTED_MESSAGE,
      ...where,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(typeof requestId === 'string' ? { requestId } : {}) },
    };
  }
  return { message: formatted.message, ...where, extensions: publicExtensions(formatted.extensions ?? {}) };
}

/** `code`, `service` and the flat values a BankError adds (`field`, `retryAfterSeconds`); nothing nested. */
function publicExtensions(extensions: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extensions)) {
    if (HIDDEN_EXTENSIONS.has(key)) continue;
    const flat = ['string', 'number', 'boolean'].includes(typeof value);
    const flatList = Array.isArray(value) && value.every((v) => ['string', 'number', 'boolean'].includes(typeof v));
    if (flat || flatList) shown[key] = value;
  }
  return shown;
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
