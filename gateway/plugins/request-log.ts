import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../../lib/log.js';
import { describePrincipal } from '../../lib/principal.js';
import type { GatewayContext, RequestRecord } from '../context.js';

/**
 * One log line per request: request id, who, operation, status, duration and the error codes the client saw. Never
 * the token or variables. The plugin fills the request's record while Apollo runs it; the HTTP layer writes the line
 * when the response is finished, so requests refused before Apollo (401, 413, 404) are logged too.
 */
export function requestLogPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operationName, contextValue }) {
          contextValue.record.operationName = operationName;
        },
        async willSendResponse({ response, contextValue, request }) {
          const { record } = contextValue;
          record.operationName ??= request.operationName ?? null;
          if (response.body.kind === 'single') {
            for (const e of response.body.singleResult.errors ?? []) record.errorCodes.push(String(e.extensions?.code));
          }
        },
      };
    },
  };
}

export function logRequest(
  logger: Logger,
  record: RequestRecord,
  http: { method: string | undefined; path: string; status: number },
): void {
  const line = {
    requestId: record.requestId,
    method: http.method,
    path: http.path,
    status: http.status,
    durationMs: Number((process.hrtime.bigint() - record.startedAt) / 1000n) / 1000,
    ...(record.principal ? { principal: describePrincipal(record.principal) } : {}),
    ...(record.operationName ? { operationName: record.operationName } : {}),
    ...(record.errorCodes.length ? { errorCodes: [...new Set(record.errorCodes)] } : {}),
  };
  if (http.status >= 500) logger.warn(line, 'request');
  else logger.info(line, 'request');
}
