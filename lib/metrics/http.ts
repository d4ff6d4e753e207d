import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { ErrorCode } from '../errors.js';
import { sendJson } from '../http.js';
import { exposition } from './process.js';

/**
 * GET /metrics, on the service's own port, in Prometheus text format: the service's registry and the process's
 * (lib/metrics/process.ts). Labels carry names only (operations, subgraphs, systems, route templates, journey types),
 * never an id, an amount or a card number, so the page holds nothing about customers. It still tells an attacker a
 * lot about the bank's systems: the ingress should route only /graphql to the gateway, and METRICS_TOKEN, when set,
 * makes Prometheus send `Authorization: Bearer <token>` (README "Metrics").
 */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, registry: Registry, token: string | undefined): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendJson(res, 405, { errors: [{ message: '/metrics accepts GET only.', extensions: { code: ErrorCode.BAD_REQUEST } }] });
  }
  if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
    res.setHeader('www-authenticate', 'Bearer realm="metrics"');
    return sendJson(res, 401, { errors: [{ message: '/metrics needs the metrics bearer token.', extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
  }
  const text = await exposition(registry);
  res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Compares digests, so the comparison takes the same time whatever the sent token shares with the real one. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}
