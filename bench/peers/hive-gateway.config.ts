/**
 * Hive Gateway's configuration for the peers benchmark (`hive-gateway supergraph <file> -c bench/peers/hive-gateway.config.ts`):
 * its defaults, plus copying the headers named in FORWARD_HEADERS from the client request to every subgraph fetch
 * (the bench's load generator sends a pre-signed `x-bankgraph-context`; bankgraph's subgraphs refuse requests
 * without one). Nothing else: no plugins, no caching, no usage reporting.
 */
import { defineConfig } from '@graphql-hive/gateway';

const forward = (process.env.FORWARD_HEADERS ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);

export const gatewayConfig = defineConfig({
  ...(forward.length
    ? {
        propagateHeaders: {
          fromClientToSubgraphs: ({ request }) =>
            Object.fromEntries(forward.map((name) => [name, request.headers.get(name)])),
        },
      }
    : {}),
});
