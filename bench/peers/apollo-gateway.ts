/**
 * Stock @apollo/gateway, the peer bankgraph is measured against: ApolloServer + ApolloGateway on a supergraph file,
 * served by Apollo's own standalone server, default fetcher, no plugins. The only addition is what any deployment in
 * front of these subgraphs needs: the headers named in FORWARD_HEADERS are copied from the client request to every
 * subgraph fetch (the bench's load generator sends a pre-signed `x-bankgraph-context`).
 *
 * `SUPERGRAPH=<file> PORT=<port> FORWARD_HEADERS=x-bankgraph-context tsx bench/peers/apollo-gateway.ts`
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

interface Context {
  forwarded: Record<string, string>;
}

// No usage reporting or cloud probing from a benchmark.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';
const supergraphSdl = readFileSync(process.env.SUPERGRAPH ?? 'schema/supergraph.graphql', 'utf8');
const forward = (process.env.FORWARD_HEADERS ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);

const gateway = new ApolloGateway({
  supergraphSdl,
  buildService: ({ url }) =>
    new RemoteGraphQLDataSource<Context>({
      url,
      willSendRequest({ request, context }) {
        // Schema loading and health checks have no client request (both are off with a supergraph file).
        const forwarded: Record<string, string> = (context as Partial<Context>).forwarded ?? {};
        for (const [name, value] of Object.entries(forwarded)) request.http?.headers.set(name, value);
      },
    }),
});
const server = new ApolloServer<Context>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' },
  context: async ({ req }) => {
    const forwarded: Record<string, string> = {};
    for (const name of forward) {
      const value = req.headers[name];
      if (typeof value === 'string') forwarded[name] = value;
    }
    return { forwarded };
  },
});
process.stdout.write(`apollo gateway listening on ${url}\n`);
process.on('SIGTERM', () => process.exit(0));
