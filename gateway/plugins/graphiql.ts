import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { graphiqlEnabled } from '../../lib/config.js';

/**
 * The GraphiQL explorer, served by the gateway itself at GET /graphiql (and GET /graphql when a browser asks for
 * HTML). The page is @graphql-yoga/render-graphiql's: one HTML document with GraphiQL, Monaco and their workers
 * inlined, so nothing loads from a CDN (test/browser/graphiql.test.ts checks every request the page makes).
 * The committed first-party operations (schema/operations/*.graphql) open as tabs, the Dashboard first; the headers
 * editor is open for a bearer token.
 */

export const DEFAULT_OPERATIONS_DIR = fileURLToPath(new URL('../../schema/operations/', import.meta.url));

export interface GraphiQLOptions {
  /**
   * Serve the explorer. GRAPHIQL=true or false decides; without it, on outside production.
   * @default graphiqlEnabled()
   */
  enabled?: boolean;
  /** Where the operations preloaded as tabs are (top-level *.graphql files; fragments are appended where spread). @default schema/operations */
  operationsDir?: string;
  /** The endpoint the page sends requests to. @default '/graphql' */
  endpoint?: string;
}

// Read with the other settings (lib/config.ts), which refuses a value that is neither true nor false.
export { graphiqlEnabled };

export interface GraphiQLRoute {
  /** True when this GET/HEAD request is for the explorer page. */
  handles(method: string, path: string, search: string, headers: IncomingHttpHeaders): boolean;
  serve(method: string, res: ServerResponse): Promise<void>;
}

/** The route, or undefined when the explorer is off. */
export function graphiqlRoute(options: GraphiQLOptions = {}): GraphiQLRoute | undefined {
  if (!(options.enabled ?? graphiqlEnabled())) return undefined;
  const endpoint = options.endpoint ?? '/graphql';
  let page: Promise<string> | undefined;
  return {
    handles(method, path, search, headers) {
      if (method !== 'GET' && method !== 'HEAD') return false;
      if (path === '/graphiql' || path === '/graphiql/') return true;
      // GET /graphql?query=... is a GraphQL request whatever the Accept header says; a bare visit from a browser is not.
      return path === endpoint && prefersHtml(headers.accept) && !new URLSearchParams(search).has('query');
    },
    async serve(method, res) {
      // Rendered once, on first use: the bundle is several MB, production (explorer off) never loads it.
      const html = await (page ??= renderPage(options.operationsDir ?? DEFAULT_OPERATIONS_DIR, endpoint));
      res.statusCode = 200;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
      res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      res.end(method === 'HEAD' ? undefined : html);
    },
  };
}

/**
 * The page may load and call nothing but this gateway: its script, styles and Monaco's workers are inline or blob:
 * URLs; a bundle update that reached for a CDN would be blocked in the browser, not silently followed.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** A browser navigating: Accept names text/html (GraphQL clients send application/json or a wildcard). */
function prefersHtml(accept: string | undefined): boolean {
  return !!accept && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
}

export interface OperationTab {
  query: string;
  variables?: string;
  headers?: string;
}

const HEADERS_HINT = JSON.stringify({ authorization: 'Bearer <npm run -s token -- --customer cust-0001>' }, null, 2);

/** Example variables for the operations that need them, so a tab runs as it opens. */
const EXAMPLE_VARIABLES: Record<string, Record<string, unknown>> = {
  Dashboard: { currency: 'EUR', transactions: 5 },
  Journey: { id: '<journey id from a journey mutation>' },
};

/** The first-party operations as tabs: Dashboard first, each with the fragments it spreads appended. */
export function operationTabs(dir: string): OperationTab[] {
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.graphql'))
    .map((e) => ({ name: e.name.slice(0, -'.graphql'.length), text: readFileSync(join(dir, e.name), 'utf8') }));
  const fragments = files.filter((f) => /^\s*(#.*\n\s*)*fragment\s/.test(f.text));
  const operations = files
    .filter((f) => !fragments.includes(f))
    .sort((a, b) => (a.name === 'Dashboard' ? -1 : b.name === 'Dashboard' ? 1 : a.name.localeCompare(b.name)));
  return operations.map(({ name, text }) => {
    const spread = fragments.filter((f) => text.includes(`...${f.name}`));
    const query = [text.trim(), ...spread.map((f) => f.text.trim())].join('\n\n') + '\n';
    const variables = EXAMPLE_VARIABLES[name];
    return { query, headers: HEADERS_HINT, ...(variables ? { variables: JSON.stringify(variables, null, 2) } : {}) };
  });
}

async function renderPage(operationsDir: string, endpoint: string): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  const tabs = operationTabs(operationsDir);
  return renderGraphiQL({
    title: 'bankgraph explorer',
    endpoint,
    defaultTabs: tabs,
    defaultQuery: tabs[0]?.query ?? '',
    headers: HEADERS_HINT,
    defaultEditorToolsVisibility: 'headers',
    isHeadersEditorEnabled: true,
    // A token pasted into the headers editor stays in this tab only, never in localStorage.
    shouldPersistHeaders: false,
    credentials: 'omit',
    method: 'POST',
  });
}
