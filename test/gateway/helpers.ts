import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, type DocumentNode, type GraphQLFieldResolver } from 'graphql';
import { authConfig, contextPublicKeys, type AuthConfig } from '../../lib/config.js';
import type { ContextPublicKeys } from '../../lib/context-keys.js';
import { CONTEXT_HEADER, ContextVerifier, type InternalContext } from '../../lib/context.js';
import type { ConsentStanding } from '../../lib/consents.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { mintSandboxToken, type SandboxTokenSubject } from '../../lib/tokens.js';
import { createGateway, type GatewayOptions, type RunningGateway } from '../../gateway/server.js';

/**
 * Real servers on port 0: tiny federated subgraphs that, like ours, refuse any request without a valid signed
 * context, and a gateway in front of them over a supergraph composed here and written to a temp file.
 * (vitest.config.ts aliases graphql to its CommonJS build so tests load one graphql, as production does.)
 */

/** The sandbox auth config, whatever the environment of the test run. */
export const AUTH: AuthConfig = authConfig({});

export interface SubgraphContext {
  readonly internal: InternalContext;
}

export interface Fixture {
  readonly name: string;
  readonly typeDefs: DocumentNode;
  // Resolver maps are heterogeneous by nature (parents and args differ per field), as in Apollo's own fixtures.
  readonly resolvers: Record<string, Record<string, GraphQLFieldResolver<any, SubgraphContext, any>>>;
}

export interface RunningSubgraph {
  readonly name: string;
  /** http://127.0.0.1:port/graphql */
  readonly url: string;
  /** Every verified context this subgraph received, in order. */
  readonly received: InternalContext[];
  /** The signed context header of every GraphQL request, as it arrived (verified or not), and when. */
  readonly arrived: { readonly context: string | undefined; readonly atMs: number }[];
  stop(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<{ query?: string; variables?: Record<string, unknown>; operationName?: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query?: string };
}

/** The sandbox public keys, whatever the environment of the test run. */
export const PUBLIC_KEYS: ContextPublicKeys = contextPublicKeys({});

export async function startSubgraph(fixture: Fixture, keys = PUBLIC_KEYS): Promise<RunningSubgraph> {
  const schema = buildSubgraphSchema([{ typeDefs: fixture.typeDefs, resolvers: fixture.resolvers }]);
  const verifier = new ContextVerifier(keys);
  const received: InternalContext[] = [];
  const arrived: RunningSubgraph['arrived'][number][] = [];
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/health') return json(200, { status: 'ok' });
    void (async () => {
      let internal: InternalContext;
      const context = req.headers[CONTEXT_HEADER] as string | undefined;
      arrived.push({ context, atMs: Date.now() });
      try {
        // Like ours, it accepts only contexts signed for it: its name is the audience.
        internal = await verifier.verify(context, fixture.name);
      } catch (err) {
        return json(401, { errors: [{ message: (err as Error).message, extensions: { code: 'UNAUTHENTICATED' } }] });
      }
      received.push(internal);
      const body = await readJson(req);
      const result = await graphql({
        schema,
        source: body.query ?? '',
        variableValues: body.variables ?? null,
        operationName: body.operationName ?? null,
        contextValue: { internal } satisfies SubgraphContext,
      });
      json(200, { data: result.data, errors: result.errors?.map((e) => e.toJSON()) });
    })().catch((err: unknown) => json(500, { errors: [{ message: String(err) }] }));
  });
  const port = await listen(server);
  return {
    name: fixture.name,
    url: `http://127.0.0.1:${port}/graphql`,
    received,
    arrived,
    stop: () => close(server),
  };
}

/** A supergraph for these fixtures; URLs are placeholders unless given (the gateway's subgraphUrls replace them). */
export function composeSupergraph(fixtures: readonly Fixture[], urls: Partial<Record<string, string>> = {}): string {
  const result = composeServices(
    fixtures.map((f) => ({ name: f.name, typeDefs: f.typeDefs, url: urls[f.name] ?? `http://${f.name}.invalid/graphql` })),
  );
  if (result.errors) throw new Error(`composition failed: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.supergraphSdl;
}

export interface Stack {
  readonly gateway: RunningGateway;
  readonly subgraphs: Record<string, RunningSubgraph>;
  readonly supergraphPath: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** The subgraphs as they run. */
  fixtures: readonly Fixture[];
  /** The subgraphs as the first supergraph knows them. @default fixtures */
  composeWith?: readonly Fixture[];
  logger?: Logger;
  gateway?: Partial<GatewayOptions>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const started = await Promise.all(options.fixtures.map((f) => startSubgraph(f)));
  const subgraphs = Object.fromEntries(started.map((s) => [s.name, s]));
  const dir = await mkdtemp(join(tmpdir(), 'bankgraph-gateway-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  await writeFile(supergraphPath, composeSupergraph(options.composeWith ?? options.fixtures));
  const gateway = await createGateway({
    supergraphPath,
    subgraphUrls: Object.fromEntries(started.map((s) => [s.name, s.url])),
    auth: AUTH,
    ...(options.logger ? { logger: options.logger } : {}),
    subgraphTimeoutMs: 3000,
    ...options.gateway,
  });
  return {
    gateway,
    subgraphs,
    supergraphPath,
    async stop() {
      await gateway.stop();
      await Promise.all(started.map((s) => s.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function tokenFor(subject: SandboxTokenSubject, options: { expiresIn?: string; secret?: string; audience?: string } = {}) {
  return mintSandboxToken(subject, {
    secret: options.secret ?? AUTH.jwtSecret,
    issuer: AUTH.issuer,
    audience: options.audience ?? AUTH.audience,
    ...(options.expiresIn ? { expiresIn: options.expiresIn } : {}),
  });
}

export interface GraphQLErrorJson {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

export interface GraphQLReply {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: Record<string, unknown> | null; errors?: GraphQLErrorJson[] };
}

/** POSTs an operation as a client would. */
export async function post(
  url: string,
  operation: { query: string; variables?: Record<string, unknown>; operationName?: string },
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLReply> {
  return request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify(operation),
  });
}

export async function request(url: string, init: RequestInit): Promise<GraphQLReply> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: GraphQLReply['body'] = {};
  try {
    body = JSON.parse(text) as GraphQLReply['body'];
  } catch {
    // not JSON: the test looks at `text`
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** Polls `check` until it returns true (or throws on timeout): for effects that happen "soon", never a blind sleep. */
export async function eventually(check: () => Promise<boolean>, { timeoutMs = 5000, everyMs = 50 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A gateway logger whose JSON lines land in `lines`, at info level whatever LOG_LEVEL says. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const previous = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'info';
  try {
    return { logger: createLogger('gateway', sink), lines };
  } finally {
    if (previous === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = previous;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A stand-in for the journeys subgraph's consent routes (the real ones are subgraphs/journeys/consents/): a real HTTP
// server that, like the journeys, refuses any request without a context signed for `journeys`, answers
// POST /internal/consents/{id}/access from the consents it is given, and echoes whatever arrives under /open-banking/.

export type StandInStanding = ConsentStanding;

export interface StandInConsent {
  readonly partner: string;
  /** What the registry says of it (the real one derives it from the consent's status). @default 'live' */
  standing?: StandInStanding;
  /** The consent as the registry gives it when live (lib/principal.ts's Consent, plus the registry's own fields). */
  readonly consent: Record<string, unknown>;
  /** Accesses without the customer present allowed per day. @default 4 */
  readonly frequencyPerDay?: number;
}

export interface ForwardedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly internal: InternalContext;
}

export interface ConsentRegistryStandIn {
  /** http://127.0.0.1:port (no /graphql) */
  readonly url: string;
  readonly consents: Map<string, StandInConsent>;
  readonly accessCalls: { readonly id: string; readonly customerPresent: unknown; readonly internal: InternalContext }[];
  readonly forwarded: ForwardedRequest[];
  /** Requests refused for their context (none should be). */
  readonly refused: string[];
  /** How the next /open-banking/ request is answered. @default 200 with the echo */
  answer?: (request: ForwardedRequest) => { status: number; headers?: Record<string, string>; body?: string };
  /** When set, /internal/consents/.../access answers this status and body instead. */
  accessFailure?: { status: number; body: string };
  stop(): Promise<void>;
}

export async function startConsentRegistry(keys = PUBLIC_KEYS): Promise<ConsentRegistryStandIn> {
  const verifier = new ContextVerifier(keys);
  const counts = new Map<string, number>();
  const standIn: ConsentRegistryStandIn = {
    url: '',
    consents: new Map(),
    accessCalls: [],
    forwarded: [],
    refused: [],
    stop: async () => undefined,
  };
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const send = (status: number, value: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
        res.writeHead(status, headers);
        res.end(value);
      };
      let internal: InternalContext;
      try {
        internal = await verifier.verify(req.headers[CONTEXT_HEADER] as string | undefined, 'journeys');
      } catch (err) {
        standIn.refused.push(`${req.method} ${req.url}: ${(err as Error).message}`);
        return send(401, JSON.stringify({ code: 'UNAUTHENTICATED' }));
      }
      const path = req.url ?? '/';
      const access = /^\/internal\/consents\/([^/]+)\/access$/.exec(path);
      if (access && req.method === 'POST') {
        const id = decodeURIComponent(access[1] ?? '');
        const { customerPresent } = JSON.parse(body) as { customerPresent: unknown };
        standIn.accessCalls.push({ id, customerPresent, internal });
        if (standIn.accessFailure) return send(standIn.accessFailure.status, standIn.accessFailure.body);
        const entry = standIn.consents.get(id);
        const partner = internal.principal.kind === 'partner' ? internal.principal.clientId : undefined;
        let standing: StandInStanding = !entry ? 'missing' : entry.partner !== partner ? 'other-partner' : (entry.standing ?? 'live');
        const today = counts.get(id) ?? 0;
        if (standing === 'live' && customerPresent !== true && today >= (entry?.frequencyPerDay ?? 4)) standing = 'frequency-exceeded';
        if (standing === 'live' && customerPresent !== true) counts.set(id, today + 1);
        return send(200, JSON.stringify({ standing, consent: standing === 'live' ? entry?.consent : null, accessesToday: counts.get(id) ?? 0 }));
      }
      if (path.startsWith('/open-banking/')) {
        const forwarded: ForwardedRequest = { method: req.method ?? '', path, headers: req.headers, body, internal };
        standIn.forwarded.push(forwarded);
        const answer = standIn.answer?.(forwarded) ?? { status: 200, body: JSON.stringify({ echo: { method: forwarded.method, path, body, principal: internal.principal } }) };
        return send(answer.status, answer.body ?? '', answer.headers ?? { 'content-type': 'application/json' });
      }
      send(404, JSON.stringify({ code: 'NOT_FOUND' }));
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  const port = await listen(server);
  return Object.assign(standIn, { url: `http://127.0.0.1:${port}`, stop: () => close(server) });
}
