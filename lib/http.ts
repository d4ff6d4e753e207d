import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ErrorCode } from './errors.js';

/**
 * The plain node:http pieces the gateway and the subgraphs share: reading a request body up to a limit, answering
 * JSON, and draining a server on shutdown.
 */

export type BodyRead =
  | { readonly kind: 'complete'; readonly text: string }
  /** Over the limit. `drained` says whether the rest was read (so the connection may answer and live on). */
  | { readonly kind: 'too-large'; readonly drained: boolean };

/**
 * Reads a request body up to `limitBytes`. A larger body is read on and thrown away (up to 16 times the limit) so the
 * client, still sending, gets the 413 instead of a reset connection; beyond that it is not worth the bandwidth.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyRead> {
  const drainLimit = limitBytes * 16;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > drainLimit) return Promise.resolve({ kind: 'too-large', drained: false });

  // A request whose connection already ended (while its caller awaited something else, such as the signed
  // context's verification) emits no more events: say so at once instead of waiting for an 'end' that never comes.
  if (req.destroyed || req.readableAborted) return Promise.reject(new Error('aborted'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyRead) => {
      settled = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > drainLimit) {
        req.pause();
        settle({ kind: 'too-large', drained: false });
      } else if (size > limitBytes) {
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (settled) return;
      settle(
        size > limitBytes
          ? { kind: 'too-large', drained: true }
          : { kind: 'complete', text: Buffer.concat(chunks).toString('utf8') },
      );
    });
    req.on('error', (err) => {
      if (!settled) reject(err);
    });
    req.on('close', () => {
      if (!settled && !req.complete) reject(new Error('aborted'));
    });
  });
}

/** The body of a refusal outside GraphQL execution: GraphQL's error shape, with our code. */
export function errorBody(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  return { errors: [{ message, extensions: { code, ...extensions } }] };
}

/** Answers `body` as JSON with `status`, keeping the headers already set on `res` (request id, connection). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', String(Buffer.byteLength(text)));
  res.end(text);
}

/**
 * Stops accepting and lets in-flight requests finish; forces their connections closed after `ms`. A keep-alive
 * connection becomes idle only once its response is sent, and server.close() closes idle connections just once,
 * hence the sweep.
 */
export async function drain(server: Server, ms: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const force = setTimeout(() => server.closeAllConnections(), ms);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(force);
  }
}
