/**
 * The four subgraphs of the public gateway benchmark (graphql-hive/graphql-gateways-benchmark), reimplemented in Node
 * from ../shared/bench-data/gateways-benchmark/README.md (beside the repository): accounts, inventory, products and reviews, all on one
 * port at /accounts, /inventory, /products and /reviews, as the benchmark's own (Rust) subgraphs serve them.
 *
 * Built to stay out of the measurement: plain node:http, graphql-js over @apollo/subgraph's schema, and each
 * distinct document parsed and validated once (a gateway sends the same few subgraph queries over and over).
 *
 * Run on its own: `tsx bench/gateways-benchmark/subgraphs.ts <port>`; it prints `listening <port>` once up.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';

/** The workload: GATEWAYS_BENCHMARK_DATA, else `../shared/bench-data/gateways-benchmark` beside the repository. */
export const BENCH_DATA_DIR =
  process.env.GATEWAYS_BENCHMARK_DATA || fileURLToPath(new URL('../../../shared/bench-data/gateways-benchmark', import.meta.url));

interface User {
  id: string;
  name: string;
  username: string;
  birthday: number;
}
interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
}
interface Inventory {
  upc: string;
  inStock: boolean;
  price: number | null;
  weight: number | null;
}
interface Review {
  id: string;
  body: string;
  productUpc: string;
}
interface Data {
  users: User[];
  products: Product[];
  inventory: Inventory[];
  reviews: Review[];
}

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key", "@external", "@requires", "@provides"])';

/** Schemas of the four subgraphs, matching the supergraph's join directives. */
export function subgraphSchemas(data: Data): Record<string, GraphQLSchema> {
  const firstTwoReviews = () => data.reviews.slice(0, 2);
  const byId = <T, K extends keyof T>(list: T[], key: K) => new Map(list.map((item) => [item[key], item]));
  const users = byId(data.users, 'id');
  const products = byId(data.products, 'upc');
  const inventory = byId(data.inventory, 'upc');

  const build = (typeDefs: string, resolvers: GraphQLResolverMap<unknown>) =>
    buildSubgraphSchema({ typeDefs: parse(`${FEDERATION}\n${typeDefs}`), resolvers });

  return {
    accounts: build(
      `type Query { me: User  user(id: ID!): User  users: [User] }
       type User @key(fields: "id") { id: ID!  name: String  username: String  birthday: Int }`,
      {
        Query: {
          me: () => data.users[0],
          user: (_: unknown, { id }: { id: string }) => users.get(id) ?? null,
          users: () => data.users,
        },
        User: { __resolveReference: ({ id }: { id: string }) => users.get(id) ?? null },
      },
    ),
    products: build(
      `type Query { topProducts(first: Int = 5): [Product] }
       type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int }`,
      {
        Query: { topProducts: (_: unknown, { first }: { first: number }) => data.products.slice(0, first) },
        Product: { __resolveReference: ({ upc }: { upc: string }) => products.get(upc) ?? null },
      },
    ),
    // Price and weight are the inventory list's own (null): shippingEstimate is null for every product, as in the
    // benchmark's subgraph and its expected response.
    inventory: build(
      `type Product @key(fields: "upc") {
         upc: String!  weight: Int @external  price: Int @external  inStock: Boolean
         shippingEstimate: Int @requires(fields: "price weight")
       }`,
      {
        Product: {
          __resolveReference: ({ upc }: { upc: string }) => inventory.get(upc) ?? null,
          shippingEstimate: (item: Inventory) => {
            if (item.price === null || item.weight === null) return null;
            return item.price > 1000 ? 0 : Math.round(item.weight / 2);
          },
        },
      },
    ),
    reviews: build(
      `type Review @key(fields: "id") { id: ID!  body: String  product: Product  author: User @provides(fields: "username") }
       type User @key(fields: "id") { id: ID!  username: String @external  reviews: [Review] }
       type Product @key(fields: "upc") { upc: String!  reviews: [Review] }`,
      {
        Review: {
          product: (review: Review) => ({ upc: review.productUpc }),
          author: () => ({ id: '1', username: 'urigo', reviews: firstTwoReviews() }),
        },
        User: {
          __resolveReference: ({ id }: { id: string }) => ({ id, username: 'user', reviews: firstTwoReviews() }),
          reviews: (user: { reviews?: Review[] }) => user.reviews ?? firstTwoReviews(),
        },
        Product: {
          __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
          reviews: ({ upc }: { upc: string }) => data.reviews.filter((r) => r.productUpc === upc),
        },
      },
    ),
  };
}

export function loadData(dir: string = BENCH_DATA_DIR): Data {
  return JSON.parse(readFileSync(`${dir}/data.json`, 'utf8')) as Data;
}

/** One node:http handler serving every subgraph at /<name>. */
export function createHandler(schemas: Record<string, GraphQLSchema>): (req: IncomingMessage, res: ServerResponse) => void {
  const documents = new Map<string, DocumentNode | readonly Error[]>();
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  return (req, res) => {
    const name = (req.url ?? '/').slice(1).split('?')[0] ?? '';
    const schema = schemas[name];
    if (!schema || req.method !== 'POST') return send(res, 404, { errors: [{ message: `nothing at ${req.method} ${req.url}` }] });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { query?: string; variables?: Record<string, unknown>; operationName?: string };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        return send(res, 400, { errors: [{ message: 'body is not JSON' }] });
      }
      const query = body.query ?? '';
      const key = `${name}\n${query}`;
      let document = documents.get(key);
      if (!document) {
        try {
          const parsed = parse(query);
          const errors = validate(schema, parsed);
          document = errors.length ? errors : parsed;
        } catch (err) {
          document = [err as Error];
        }
        documents.set(key, document);
      }
      if (Array.isArray(document)) return send(res, 400, { errors: document.map((e: Error) => ({ message: e.message })) });
      Promise.resolve(
        execute({
          schema,
          document: document as DocumentNode,
          variableValues: body.variables ?? null,
          operationName: body.operationName ?? null,
        }),
      ).then(
        (result) => send(res, 200, result),
        (err: unknown) => send(res, 500, { errors: [{ message: String(err) }] }),
      );
    });
  };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('gateways-benchmark/subgraphs.ts')) {
  const port = Number(process.argv[2] ?? 0);
  const server = createServer({ keepAliveTimeout: 60_000 }, createHandler(subgraphSchemas(loadData())));
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}
