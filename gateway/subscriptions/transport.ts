import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handler, RequestParams } from 'graphql-sse';
import { ErrorCode } from '../../lib/errors.js';
import { readBody } from '../../lib/http.js';

/**
 * The HTTP side of graphql-sse on node:http, in place of graphql-sse's own `use/http` adapter, which reads a body of
 * any size and answers a malformed request with a bare message: here the body is read within the gateway's limit
 * (413) and the request checked first, each refusal a JSON error with a code, as /graphql answers them. What reaches
 * graphql-sse's handler is a request it will accept.
 */

export interface Refusal {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  /** The rest of the body was not read: the connection cannot serve another request. */
  readonly closeConnection?: boolean;
}

/** The subscription request of a GET (query string) or POST (JSON body), or why it is refused. */
export async function subscriptionRequest(req: IncomingMessage, search: string, bodyLimitBytes: number): Promise<RequestParams | Refusal> {
  const bad = (message: string): Refusal => ({ status: 400, code: ErrorCode.BAD_REQUEST, message });
  let raw: Record<string, unknown>;
  if (req.method === 'GET') {
    const params = new URLSearchParams(search);
    raw = { query: params.get('query') ?? undefined, operationName: params.get('operationName') ?? undefined };
    for (const name of ['variables', 'extensions'] as const) {
      const text = params.get(name);
      if (text === null) continue;
      try {
        raw[name] = JSON.parse(text) as unknown;
      } catch {
        return bad(`The ${name} parameter is not valid JSON.`);
      }
    }
  } else {
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') return { status: 415, code: ErrorCode.BAD_REQUEST, message: 'POST a JSON body (content-type: application/json).' };
    const read = await readBody(req, bodyLimitBytes);
    if (read.kind === 'too-large') {
      return { status: 413, code: ErrorCode.BAD_REQUEST, message: `The request body is larger than the limit of ${bodyLimitBytes} bytes.`, closeConnection: !read.drained };
    }
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch {
      return bad('The request body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('The request body must be a JSON object.');
    raw = body as Record<string, unknown>;
  }
  const { query, variables, operationName, extensions } = raw;
  if (typeof query !== 'string' || query === '') return bad('The request must carry a `query`: a subscription document.');
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return bad('`variables` must be an object.');
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return bad('`operationName` must be a string.');
  if (extensions !== undefined && extensions !== null && (typeof extensions !== 'object' || Array.isArray(extensions))) return bad('`extensions` must be an object.');
  return {
    query,
    ...(variables ? { variables: variables as Record<string, unknown> } : {}),
    ...(typeof operationName === 'string' ? { operationName } : {}),
    ...(extensions ? { extensions: extensions as Record<string, unknown> } : {}),
  };
}

/** Hands the checked request to graphql-sse and writes what it answers: a JSON body, or the event stream until it ends. */
export async function serveWithHandler(handler: Handler<IncomingMessage>, req: IncomingMessage, res: ServerResponse, params: RequestParams): Promise<void> {
  const [body, init] = await handler({
    method: req.method ?? 'POST',
    url: req.url ?? '/',
    headers: {
      get: (name) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join('\n') : value;
      },
    },
    // Checked above; graphql-sse reads a GET's parameters from the URL again, a POST's from this object.
    body: { ...params },
    raw: req,
    context: undefined,
  });
  res.writeHead(init.status, init.statusText, init.headers);
  if (!body || typeof body === 'string') return void res.end(body);
  // The client hung up: end the stream (graphql-sse then ends the subscription, which stops listening).
  const hangUp = () => void body.return(undefined);
  res.once('close', hangUp);
  try {
    for await (const chunk of body) {
      if (!res.writable) break;
      if (!res.write(chunk)) await drained(res);
    }
  } finally {
    res.off('close', hangUp);
  }
  if (res.writable) res.end();
}

/** Resolves once the response can take more, or its connection went. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
