import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, visit, type DefinitionNode, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { consoleEnabled, isProduction, SANDBOX_SECRETS, type AuthConfig } from '../../lib/config.js';
import { ErrorCode } from '../../lib/errors.js';
import { errorBody, readBody, sendJson } from '../../lib/http.js';
import { mintSandboxToken } from '../../lib/tokens.js';

/**
 * The operations console, served by the gateway itself at GET /console: one HTML page, a few small vanilla ES modules
 * and one stylesheet (gateway/console/), nothing from a CDN, under a Content-Security-Policy that lets the page load and
 * call nothing but this gateway and run no inline script. Operations staff sign in with a staff token (kept in the
 * tab's sessionStorage, never localStorage) and work the parked journeys through /graphql like any client; the page
 * holds no data and no privilege of its own (the journeys subgraph decides who may do what, four-eyes included).
 *
 *   GET  /console                     the page
 *   GET  /console/console.css         its styles
 *   GET  /console/<module>.js         its scripts, the ES modules of CONSOLE_MODULES (console.js imports the others)
 *   GET  /console/operations.json     the GraphQL documents it sends (gateway/console/operations.graphql), by name
 *   POST /console/sandbox-login       {"staffId": "ops-alice"} -> a sandbox operations token for that staff id: only
 *                                     while tokens are verified with the published sandbox secret and NODE_ENV is not
 *                                     production; 404 otherwise, like any path the gateway does not serve
 */

export const CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));

export interface ConsoleOptions {
  /**
   * Serve the console. CONSOLE=true or false decides; without it, on outside production.
   * @default consoleEnabled()
   */
  enabled?: boolean;
  /**
   * Offer POST /console/sandbox-login. Even when true it is refused unless the gateway's tokens are the sandbox's
   * (no JWKS_URL, JWT_SECRET unset or the published sandbox secret) and NODE_ENV is not production.
   * @default true
   */
  sandboxLogin?: boolean;
  /** How long a sandbox login's token lives, in jose's notation. @default '1h' */
  sandboxTokenLifetime?: string;
}

export interface ConsoleRoute {
  /** True when this request is for the console (any method: the route answers 405 itself). */
  handles(path: string): boolean;
  serve(method: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** The route, or undefined when the console is off. `auth` is the gateway's: it decides whether the sandbox login exists. */
export function consoleRoute(auth: AuthConfig, options: ConsoleOptions = {}, env: Record<string, string | undefined> = process.env): ConsoleRoute | undefined {
  if (!(options.enabled ?? consoleEnabled(env))) return undefined;
  const sandboxLogin = (options.sandboxLogin ?? true) && sandboxLoginAllowed(auth, env);
  const lifetime = options.sandboxTokenLifetime ?? '1h';
  const assets = loadAssets(sandboxLogin);
  return {
    handles: (path) => path === '/console' || path.startsWith('/console/'),
    async serve(method, path, req, res) {
      if (path === SANDBOX_LOGIN_PATH && sandboxLogin) {
        if (method !== 'POST') return notAllowed(res, 'POST', path);
        return signInToSandbox(req, res, auth, lifetime);
      }
      const asset = assets.get(path === '/console/' ? '/console' : path);
      if (!asset) return sendJson(res, 404, errorBody(ErrorCode.NOT_FOUND, `Nothing at ${method} ${path}: the console is at /console.`));
      if (method !== 'GET' && method !== 'HEAD') return notAllowed(res, 'GET, HEAD', path);
      res.statusCode = 200;
      res.setHeader('content-type', asset.type);
      res.setHeader('content-length', String(asset.body.length));
      res.setHeader('cache-control', 'no-store');
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
      res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      res.end(method === 'HEAD' ? undefined : asset.body);
    },
  };
}

export const SANDBOX_LOGIN_PATH = '/console/sandbox-login';

/**
 * The sandbox login mints tokens with the sandbox secret, so it exists only where that secret is what the gateway
 * trusts anyway (anyone can mint such tokens with `npm run token`): never in production, never beside an identity
 * provider's keys or a bank's own JWT_SECRET.
 */
export function sandboxLoginAllowed(auth: AuthConfig, env: Record<string, string | undefined> = process.env): boolean {
  return !isProduction(env) && !auth.jwksUrl && auth.jwtSecret === SANDBOX_SECRETS.jwt;
}

/**
 * Nothing but this gateway, and no inline script or style at all: data the page shows (reasons typed by people) can
 * never become code. Trusted Types are required for script sinks, so even a future `innerHTML` with a string throws
 * in the browser instead of parsing markup.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** A staff id as the sandbox login takes it: what an operations person would type. */
const STAFF_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

async function signInToSandbox(req: IncomingMessage, res: ServerResponse, auth: AuthConfig, lifetime: string): Promise<void> {
  // JSON only: a cross-site form cannot send it without a CORS preflight, which the gateway never grants.
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return sendJson(res, 415, errorBody(ErrorCode.BAD_REQUEST, 'The sandbox login takes application/json: {"staffId": "ops-alice"}.'));
  }
  const read = await readBody(req, 4096);
  if (read.kind === 'too-large') return sendJson(res, 413, errorBody(ErrorCode.BAD_REQUEST, 'The request body is larger than 4096 bytes.'));
  let staffId: unknown;
  try {
    staffId = (JSON.parse(read.text) as { staffId?: unknown } | null)?.staffId;
  } catch {
    return sendJson(res, 400, errorBody(ErrorCode.BAD_REQUEST, 'The request body is not valid JSON.'));
  }
  if (typeof staffId !== 'string' || !STAFF_ID.test(staffId)) {
    const got = typeof staffId === 'string' ? `"${staffId.slice(0, 80)}"` : typeof staffId;
    return sendJson(res, 400, errorBody(ErrorCode.BAD_USER_INPUT, `staffId must be 1 to 64 letters, digits, dots, dashes or underscores (such as ops-alice), got ${got}.`));
  }
  const token = await mintSandboxToken(
    { staff: 'operations', staffId },
    { secret: auth.jwtSecret, issuer: auth.issuer, audience: auth.audience, expiresIn: lifetime },
  );
  res.setHeader('cache-control', 'no-store');
  sendJson(res, 200, { token, staffId, role: 'operations', expiresIn: lifetime });
}

/**
 * The page's scripts, each one job (gateway/console/console.js says which): only these are served, by name, so no
 * other file of the folder (or beyond it) ever is.
 */
export const CONSOLE_MODULES = ['console.js', 'gateway.js', 'sse.js', 'dom.js', 'queue.js', 'journey.js', 'timeline.js'] as const;

interface Asset {
  type: string;
  body: Buffer;
}

/** The page, its script and styles, and the documents: read once, when the gateway starts. */
function loadAssets(sandboxLogin: boolean): Map<string, Asset> {
  const file = (name: string) => readFileSync(`${CONSOLE_DIR}${name}`, 'utf8');
  // The one thing the server tells the page: whether to offer the sandbox login (an attribute, not a script).
  const html = file('index.html').replace('data-sandbox-login="false"', `data-sandbox-login="${sandboxLogin}"`);
  const operations = JSON.stringify(consoleOperations(file('operations.graphql')));
  return new Map<string, Asset>([
    ['/console', { type: 'text/html; charset=utf-8', body: Buffer.from(html) }],
    ...CONSOLE_MODULES.map((name): [string, Asset] => [`/console/${name}`, { type: 'text/javascript; charset=utf-8', body: Buffer.from(file(name)) }]),
    ['/console/console.css', { type: 'text/css; charset=utf-8', body: Buffer.from(file('console.css')) }],
    ['/console/operations.json', { type: 'application/json; charset=utf-8', body: Buffer.from(operations) }],
  ]);
}

/**
 * Each operation of the document with the fragments it spreads (transitively), printed: what the page sends as
 * `query`, one operation per request, so each stays well within the gateway's token and cost limits.
 */
export function consoleOperations(source: string): Record<string, string> {
  const document = parse(source);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const out: Record<string, string> = {};
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    if (!d.name) throw new Error('every console operation needs a name');
    const used = new Set<string>();
    const collect = (node: DefinitionNode) =>
      visit(node, {
        FragmentSpread(spread) {
          const name = spread.name.value;
          if (used.has(name)) return;
          const fragment = fragments.get(name);
          if (!fragment) throw new Error(`console operation ${d.name?.value} spreads an unknown fragment ${name}`);
          used.add(name);
          collect(fragment);
        },
      });
    collect(d);
    const definitions: (OperationDefinitionNode | FragmentDefinitionNode)[] = [d, ...[...fragments.values()].filter((f) => used.has(f.name.value))];
    const single: DocumentNode = { kind: Kind.DOCUMENT, definitions };
    out[d.name.value] = print(single);
  }
  return out;
}

function notAllowed(res: ServerResponse, allow: string, path: string): void {
  res.setHeader('allow', allow);
  sendJson(res, 405, errorBody(ErrorCode.BAD_REQUEST, `${path} accepts ${allow}.`));
}
