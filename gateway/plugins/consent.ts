import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import type { Authentication } from './authentication.js';

/**
 * A partner's consent, asked of the consent registry once the operation is admitted: after the persisted-operation
 * check (while the context is built), the operation's resolution and the rate limits (plugins/rate-limit.ts), just
 * before anything executes. The registry counts each live access against the consent's frequencyPerDay, so a
 * request refused for any of those reasons costs the consent none of its accesses. A consent that does not let the
 * partner in refuses the request here, with its own code and HTTP status, and nothing is fetched from any subgraph.
 */
export function consentPlugin(authentication: Authentication): ApolloServerPlugin<GatewayContext> {
  const resolve = resolveConsent(authentication);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue }) {
          await resolve(contextValue);
        },
      };
    },
  };
}

/**
 * The step itself, for a plugin that must run it after its own decision: Apollo runs the didResolveOperation hooks of
 * all plugins at once, so with rate limits the rate-limit plugin runs this once the request is within them.
 */
export function resolveConsent(authentication: Authentication): (contextValue: GatewayContext) => Promise<void> {
  return async (contextValue) => {
    const pending = contextValue.pendingConsent;
    if (!pending) return;
    contextValue.pendingConsent = undefined;
    const principal = await authentication.withConsent(pending.authenticated, pending.request);
    contextValue.principal = principal;
    contextValue.record.principal = principal;
  };
}
