import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { CONTEXT_HEADER, type ContextSigner } from '../lib/context.js';
import { DEADLINE_HEADER } from '../lib/deadline.js';
import { BankError, ErrorCode, HTTP_STATUS } from '../lib/errors.js';
import { readBody, type BodyRead } from '../lib/http.js';
import type { Logger } from '../lib/log.js';
import type { Principal } from '../lib/principal.js';
import type { RateLimiter } from '../lib/rate-limit.js';
import { injectTraceContext } from '../lib/telemetry/spans.js';
import type { RequestRecord } from './context.js';
import { isTimeout, type Fetcher } from './fetcher.js';
import type { Authentication } from './plugins/authentication.js';
import { REQUEST_ID_HEADER } from './plugins/request-id.js';

/**
 * The open-banking REST API (`/open-banking/...`: UK Open Banking v4 consent resources), served by the journeys
 * subgraph, which owns the consent registry. The gateway is its edge as it is the graph's: it authenticates the
 * bearer token (a registered partner, its token bound to a consent or not: a partner creates consents with a client
 * credentials token), then forwards the request to the journeys subgraph's same path with the signed internal context
 * (audience `journeys`, the partner with its granted scopes, no consent) and relays the answer: status, JSON body,
 * and only the headers a client needs (content type, Location, Retry-After, x-fapi-interaction-id).
 *
 * GET, POST and DELETE; bodies are JSON, up to the gateway's body limit. Refusals of the gateway's own are OB-shaped
 * (`{"Code", "Id", "Message", "Errors": [{"ErrorCode", "Message"}]}`) with our code in `ErrorCode` and `code`.
 * The journeys not answering is 503 UPSTREAM_UNAVAILABLE (504 UPSTREAM_TIMEOUT): our side, never the partner's.
 */

export const OPEN_BANKING_PREFIX = '/open-banking/';

const METHODS = ['GET', 'POST', 'DELETE'] as const;

/** Request headers the journeys see besides ours: what the OB specification has a partner send. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'x-fapi-auth-date',
  'x-fapi-customer-ip-address',
  'x-customer-user-agent',
  'x-idempotency-key',
  'x-jws-signature',
] as const;

/** Response headers a partner gets back; everything else the journeys send stays inside. */
const RELAYED_RESPONSE_HEADERS = ['content-type', 'location', 'retry-after', 'x-jws-signature'] as const;

const INTERACTION_ID = 'x-fapi-interaction-id';
/** An interaction id the partner sent is played back (OB requires it) when it is a sane token; else one of ours. */
const SANE_INTERACTION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface OpenBankingOptions {
  authentication: Authentication;
  /** The journeys subgraph's base URL (no `/graphql`), or undefined while unknown. */
  journeysUrl: () => string | undefined;
  /** The gateway's subgraph pool, with the journeys' deadline (`timeoutMs`). */
  fetcher: Fetcher;
  timeoutMs: number;
  signer: ContextSigner;
  logger: Logger;
  bodyLimitBytes: number;
  /** The partner's token bucket, shared with its GraphQL requests; absent: no limit here. */
  limiter?: RateLimiter;
}

export class OpenBankingRoute {
  constructor(private readonly options: OpenBankingOptions) {}

  handles(path: string): boolean {
    return path.startsWith(OPEN_BANKING_PREFIX);
  }

  async serve(record: RequestRecord, req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<void> {
    const interactionId = interactionIdOf(req.headers[INTERACTION_ID]);
    res.setHeader(INTERACTION_ID, interactionId);
    res.setHeader('cache-control', 'no-store');
    const reply = (status: number, code: ErrorCode, message: string) => {
      record.errorCodes.push(code);
      sendObError(res, status, code, message, record.requestId);
    };
    const method = req.method ?? 'GET';
    if (!(METHODS as readonly string[]).includes(method)) {
      res.setHeader('allow', METHODS.join(', '));
      return reply(405, ErrorCode.BAD_REQUEST, `${path} accepts ${METHODS.join(', ')}, not ${method}.`);
    }

    if (!isPlainPath(path)) return reply(400, ErrorCode.BAD_REQUEST, 'The request path must not encode "/", "\\" or dot segments.');

    let partner;
    try {
      partner = await this.options.authentication.partnerOf(req.headers.authorization);
    } catch (err) {
      if (!(err instanceof BankError)) throw err;
      const http = err.extensions.http as { status?: number; headers?: Map<string, string> } | undefined;
      for (const [name, value] of http?.headers ?? []) res.setHeader(name, value);
      return reply(http?.status ?? HTTP_STATUS[err.code] ?? 403, err.code, err.message);
    }
    record.principal = partner;
    if (await this.limited(record, res, partner, reply)) return;

    const body = await this.bodyOf(record, req, res, method, reply);
    if (body === REFUSED) return;

    const base = this.options.journeysUrl();
    if (!base) return reply(503, ErrorCode.UPSTREAM_UNAVAILABLE, 'The open-banking API is not available on this gateway.');
    const { timeoutMs, signer, fetcher, logger } = this.options;
    const headers: Record<string, string> = {
      [CONTEXT_HEADER]: await signer.sign({ principal: partner, requestId: record.requestId }, { audience: 'journeys', expiresAtMs: Date.now() + timeoutMs }),
      [REQUEST_ID_HEADER]: record.requestId,
      [DEADLINE_HEADER]: String(timeoutMs),
      [INTERACTION_ID]: interactionId,
    };
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    injectTraceContext((name, value) => (headers[name] = value));

    let response;
    let text: string;
    try {
      response = await fetcher(`${base}${path}${search}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      text = await response.text();
    } catch (err) {
      logger.warn({ requestId: record.requestId, service: 'journeys', err }, 'open-banking forward failed');
      if (isTimeout(err)) return reply(504, ErrorCode.UPSTREAM_TIMEOUT, 'The open-banking service did not answer in time.');
      return reply(503, ErrorCode.UPSTREAM_UNAVAILABLE, 'The open-banking service is unavailable; try again shortly.');
    }
    if (response.status === 401) {
      // The journeys refused our signed context: a key mismatch between gateway and subgraph, not the partner's doing.
      logger.error({ requestId: record.requestId, service: 'journeys' }, 'the journeys subgraph refused the signed context of an open-banking request');
      return reply(503, ErrorCode.UPSTREAM_UNAVAILABLE, 'The open-banking service is unavailable; try again shortly.');
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (text.length > 0 && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
      logger.error({ requestId: record.requestId, service: 'journeys', status: response.status, contentType }, 'open-banking answer is not JSON');
      return reply(502, ErrorCode.UPSTREAM_BAD_RESPONSE, 'The open-banking service gave an answer the gateway cannot use.');
    }
    res.statusCode = response.status;
    for (const name of RELAYED_RESPONSE_HEADERS) {
      const value = response.headers.get(name);
      if (value === null) continue;
      res.setHeader(name, name === 'location' ? withoutOrigin(value, base) : value);
    }
    const code = codeOf(text);
    if (code) record.errorCodes.push(code);
    res.setHeader('content-length', String(Buffer.byteLength(text)));
    res.end(text);
  }

  /**
   * True (answered 429 RATE_LIMITED with Retry-After) when the partner's bucket is empty. A limiter whose store cannot
   * be reached lets the request through, as on the graph (plugins/rate-limit.ts).
   */
  private async limited(
    record: RequestRecord,
    res: ServerResponse,
    partner: Principal,
    reply: (status: number, code: ErrorCode, message: string) => void,
  ): Promise<boolean> {
    if (!this.options.limiter) return false;
    let decision;
    try {
      decision = await this.options.limiter.take(partner, []);
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError) throw err;
      this.options.logger.error({ requestId: record.requestId, err }, 'rate limiter unavailable: request let through');
      return false;
    }
    if (decision.allowed) return false;
    res.setHeader('retry-after', String(decision.retryAfterSeconds));
    reply(429, ErrorCode.RATE_LIMITED, `Too many requests: try again in ${decision.retryAfterSeconds} s.`);
    return true;
  }

  /** The JSON text to forward (POST), undefined (no body), or REFUSED (answered). */
  private async bodyOf(
    record: RequestRecord,
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    reply: (status: number, code: ErrorCode, message: string) => void,
  ): Promise<string | undefined | typeof REFUSED> {
    const limit = this.options.bodyLimitBytes;
    let read: BodyRead;
    try {
      read = await readBody(req, limit);
    } catch (err) {
      if (!req.destroyed && !req.readableAborted) throw err;
      this.options.logger.info({ requestId: record.requestId, reason: (err as Error).message }, 'the connection closed before the request body was read');
      res.destroy();
      return REFUSED;
    }
    if (read.kind === 'too-large') {
      if (!read.drained) res.setHeader('connection', 'close');
      reply(413, ErrorCode.BAD_REQUEST, `The request body is larger than the limit of ${limit} bytes.`);
      return REFUSED;
    }
    if (read.text.length === 0) return undefined;
    if (method !== 'POST') {
      reply(400, ErrorCode.BAD_REQUEST, `A ${method} request takes no body.`);
      return REFUSED;
    }
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') {
      reply(415, ErrorCode.BAD_REQUEST, 'The request body must be application/json.');
      return REFUSED;
    }
    try {
      JSON.parse(read.text);
    } catch {
      reply(400, ErrorCode.BAD_REQUEST, 'The request body is not valid JSON.');
      return REFUSED;
    }
    return read.text;
  }
}

const REFUSED = Symbol('refused');

/**
 * True when no segment of the (already normalised) path decodes into a separator or a dot segment: the journeys'
 * router may decode `%2F` before it matches, and `..%2f..%2finternal` must not become a way to its internal routes.
 */
function isPlainPath(path: string): boolean {
  for (const segment of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return false;
    }
    if (decoded.includes('/') || decoded.includes('\\') || decoded === '.' || decoded === '..' || decoded.includes('\0')) return false;
  }
  return true;
}

/** A Location on the journeys' own origin as a path (the partner knows the gateway, never the journeys' address). */
function withoutOrigin(location: string, base: string): string {
  try {
    const url = new URL(location, base);
    return url.origin === new URL(base).origin ? `${url.pathname}${url.search}` : location;
  } catch {
    return location;
  }
}

function interactionIdOf(header: string | string[] | undefined): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && SANE_INTERACTION_ID.test(candidate) ? candidate : randomUUID();
}

/** The code of a relayed refusal (for the request log), if the body has one of ours. */
function codeOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { code?: unknown; Errors?: { ErrorCode?: unknown }[] } | null;
    const code = body?.code ?? body?.Errors?.[0]?.ErrorCode;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** An OB-shaped error (UK Open Banking's OBErrorResponse1), with our code as ErrorCode and as `code`. */
export function sendObError(res: ServerResponse, status: number, code: ErrorCode, message: string, requestId: string): void {
  const body = {
    Code: `${status} ${STATUS_CODES[status] ?? ''}`.trim(),
    Id: requestId,
    Message: message,
    Errors: [{ ErrorCode: code, Message: message }],
    code,
    message,
  };
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', String(Buffer.byteLength(text)));
  res.end(text);
}
