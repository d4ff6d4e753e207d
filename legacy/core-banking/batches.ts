import type { SimRequest, SimResponse } from '../http.js';
import { errorItem, errorResponse, invalidParam, routeNotFound, serverError } from './dialect.js';
import type { RouteTable } from './router.js';

/**
 * POST /batches, as Fineract has it: many sub-requests in one HTTP call, each answered with its own status and its
 * body as a JSON *string*. A sub-request may name an earlier one in `reference` and use its answer in its own
 * relativeUrl ("$.clientId"); when that parent failed, the child is answered 409 without being run.
 *
 * Fineract does not route a sub-request like an HTTP call: its CommandStrategyProvider runs only the relative URLs it
 * lists (matched whole, with the "v1/" prefix: "v1/savingsaccounts/5001?associations=transactions"), and answers any
 * other with 501 and a plain-text body (UnknownCommandStrategy), whatever the HTTP API has at that path. Of its list,
 * this sandbox runs the savings-account read (getSavingsAccountByIdCommandStrategy); every other relative URL,
 * including ones real Fineract runs (its loan reads, client creation), is answered the same 501 here. The
 * sub-requests it runs are GETs, so `enclosingTransaction` (accepted, true or false) never has anything to roll back.
 *
 * A fault with `subRequestErrorRate` (legacy/http.ts) answers sub-requests with the platform's 500 inside the 200:
 * a database failing under the batch endpoint, which a client must not read as "200, all is well".
 */

export interface BatchOptions {
  /** Whether a sub-request to this route (the pattern, as in RouteTable) is to fail with a 500 (an injected fault). */
  readonly subRequestFails?: (pattern: string) => boolean;
}

interface BatchItem {
  readonly requestId: number;
  readonly relativeUrl: string;
  readonly method: string;
  readonly reference?: number;
}

interface SubResponse {
  readonly requestId: number;
  readonly statusCode: number;
  readonly headers: readonly { name: string; value: string }[];
  readonly body: string;
}

function parseItems(req: SimRequest): BatchItem[] {
  let raw = req.body;
  if (raw === undefined && req.rawBody.trim() !== '') {
    try {
      raw = JSON.parse(req.rawBody);
    } catch {
      raw = undefined;
    }
  }
  if (!Array.isArray(raw)) throw invalidParam('batch', 'json', 'invalid', 'The request body must be a JSON array of requests.');
  const seen = new Set<number>();
  return raw.map((item: unknown, index): BatchItem => {
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const { requestId, relativeUrl, method, reference } = o;
    if (typeof requestId !== 'number' || !Number.isSafeInteger(requestId) || seen.has(requestId)) {
      throw invalidParam('batch', 'requestId', 'invalid', `Request ${index}: requestId must be a whole number, unique in the batch.`, requestId ?? null);
    }
    seen.add(requestId);
    if (typeof relativeUrl !== 'string' || relativeUrl.trim() === '') {
      throw invalidParam('batch', 'relativeUrl', 'cannot.be.blank', `Request ${requestId}: relativeUrl is mandatory.`);
    }
    if (typeof method !== 'string' || method.trim() === '') {
      throw invalidParam('batch', 'method', 'cannot.be.blank', `Request ${requestId}: method is mandatory.`);
    }
    if (reference !== undefined && reference !== null && typeof reference !== 'number') {
      throw invalidParam('batch', 'reference', 'invalid', `Request ${requestId}: reference must be a requestId.`, reference);
    }
    return { requestId, relativeUrl: relativeUrl.trim(), method: method.trim().toUpperCase(), ...(typeof reference === 'number' ? { reference } : {}) };
  });
}

/** Replaces each `$.a.b[0].c` in a relative URL with the value at that path of the parent's answer. */
function resolveReferences(relativeUrl: string, parent: unknown): string | undefined {
  let missing = false;
  const out = relativeUrl.replace(/\$\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\])*)/g, (_, path: string) => {
    let value: unknown = parent;
    for (const step of path.match(/[A-Za-z_]\w*|\d+/g) ?? []) {
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[step] : undefined;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      missing = true;
      return '';
    }
    return encodeURIComponent(String(value));
  });
  return missing ? undefined : out;
}

/**
 * The relative URLs this sandbox's batch runs: CommandStrategyProvider's own patterns (fineract-provider's
 * batch/command/CommandStrategyProvider.java), matched against the whole relative URL.
 */
const STRATEGIES: readonly { readonly method: string; readonly pattern: RegExp }[] = [
  // getSavingsAccountByIdCommandStrategy
  { method: 'GET', pattern: /^v1\/savingsaccounts\/\d+(\?(\w+(?:=[\w,]+|&)+)+)?$/ },
];

function sub(requestId: number, out: SimResponse): SubResponse {
  const body = out.text ?? (out.json === undefined ? '' : JSON.stringify(out.json));
  return {
    requestId,
    statusCode: out.status ?? 200,
    headers: [{ name: 'Content-Type', value: 'application/json; charset=UTF-8' }],
    body,
  };
}

function subError(status: number, code: string, message: string): SimResponse {
  return errorResponse(status, code, message, [errorItem(code, message, null)]);
}

export function batchRoutes(routes: RouteTable, options: BatchOptions = {}): void {
  routes.add('POST', '/batches', (req) => {
    const enclosing = req.query.get('enclosingTransaction');
    if (enclosing !== null && enclosing !== 'true' && enclosing !== 'false') {
      throw invalidParam('batch', 'enclosingTransaction', 'invalid', 'enclosingTransaction must be true or false.', enclosing);
    }
    const items = parseItems(req);
    const answers = new Map<number, { status: number; json: unknown }>();
    const responses = items.map((item) => {
      const out = runOne(routes, req, item, answers, options);
      answers.set(item.requestId, { status: out.status ?? 200, json: out.json });
      return sub(item.requestId, out);
    });
    return { json: responses };
  });
}

function runOne(
  routes: RouteTable,
  outer: SimRequest,
  item: BatchItem,
  answers: Map<number, { status: number; json: unknown }>,
  options: BatchOptions,
): SimResponse {
  let relativeUrl = item.relativeUrl;
  if (item.reference !== undefined) {
    const parent = answers.get(item.reference);
    if (!parent) return subError(400, 'error.msg.batch.reference.invalid', `Request ${item.requestId} refers to request ${item.reference}, which does not come before it.`);
    if (parent.status !== 200) return subError(409, 'error.msg.batch.parent.request.failed', `Parent request with id ${item.reference} was erroneous!`);
    const resolved = resolveReferences(relativeUrl, parent.json);
    if (resolved === undefined) return subError(400, 'error.msg.batch.reference.path.invalid', `Request ${item.requestId}: a $. path is not in the answer of request ${item.reference}.`);
    relativeUrl = resolved;
  }
  const strategy = STRATEGIES.find((st) => st.method === item.method && st.pattern.test(relativeUrl));
  if (!strategy) {
    return { status: 501, text: `Resource with method ${item.method} and relativeUrl ${relativeUrl} doesn't exist`, contentType: 'text/plain' };
  }
  let url: URL;
  try {
    url = new URL(relativeUrl.slice('v1/'.length), 'http://batch/');
  } catch {
    return subError(400, 'error.msg.batch.relativeUrl.invalid', `Request ${item.requestId}: relativeUrl is not a URL path.`);
  }
  if (url.origin !== 'http://batch') return subError(400, 'error.msg.batch.relativeUrl.invalid', `Request ${item.requestId}: relativeUrl must be relative.`);
  const match = routes.match('GET', url.pathname);
  if (!match) return routeNotFound('GET', url.pathname);
  if (options.subRequestFails?.(match.pattern)) return serverError('core-banking injected fault');
  try {
    return match.handler({ method: 'GET', path: url.pathname, params: match.params, query: url.searchParams, headers: outer.headers, rawBody: '', body: undefined });
  } catch (err) {
    return serverError(err instanceof Error ? err.message : String(err));
  }
}
