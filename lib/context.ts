import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal.js';

/**
 * The signed internal context: how a subgraph knows a request came through the gateway, and for whom.
 * The gateway signs {principal, request id} with a key only it and the subgraphs hold, for a short lifetime;
 * a subgraph refuses (401) any request without a valid one, so a subgraph port is never a way around the gateway.
 */

/** Header the gateway sets on every subgraph fetch. */
export const CONTEXT_HEADER = 'x-bankgraph-context';

const ISSUER = 'bankgraph-gateway';
const AUDIENCE = 'bankgraph-subgraph';

export interface InternalContext {
  readonly principal: Principal;
  readonly requestId: string;
}

/**
 * The context is a compact JWS (HS256) like any JWT, so any JOSE library reads it (test/lib/context.test.ts checks
 * both ways against jose). It is signed and verified here with node:crypto's synchronous HMAC rather than jose: jose
 * goes through WebCrypto, an asynchronous job on the thread pool, about ten times the cost per verification (17 µs
 * against 110-170 µs in a micro-benchmark), paid on the gateway once and on every subgraph again (issue 7's
 * profile). The checks are jose's for these options: the header
 * says HS256 and nothing critical, the signature matches (constant-time), and the claims have this issuer and
 * audience, a numeric `exp` in the future, a numeric `iat`, and `nbf`, if any, not in the future.
 */
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'bankgraph-context+jwt' }));
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function mac(key: Buffer, signingInput: string): Buffer {
  return createHmac('sha256', key).update(signingInput).digest();
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret, 'utf8');
}

export class ContextSigner {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = keyOf(secret);
  }

  /** A promise for the callers that await it (gateway/datasource.ts); the work is synchronous. */
  sign(ctx: InternalContext): Promise<string> {
    const iat = Math.floor(Date.now() / 1000);
    const payload = base64url(JSON.stringify({ p: ctx.principal, rid: ctx.requestId, iss: ISSUER, aud: AUDIENCE, iat, exp: iat + this.ttlSeconds }));
    const signingInput = `${HEADER}.${payload}`;
    return Promise.resolve(`${signingInput}.${mac(this.key, signingInput).toString('base64url')}`);
  }
}

export class InvalidContextError extends Error {
  override readonly name = 'InvalidContextError';
}

/**
 * Verifies contexts; remembers the ones it has verified until they expire, since one gateway request fans out
 * into several fetches with the same context.
 */
export class ContextVerifier {
  private readonly key: Buffer;
  private readonly verified = new Map<string, { ctx: InternalContext; expiresAtMs: number }>();
  private static readonly MAX_REMEMBERED = 10_000;

  constructor(secret: string) {
    this.key = keyOf(secret);
  }

  async verify(token: string | undefined): Promise<InternalContext> {
    if (!token) throw new InvalidContextError('missing signed context: requests must come through the gateway');
    const now = Date.now();
    const hit = this.verified.get(token);
    if (hit && hit.expiresAtMs > now) return hit.ctx;
    const payload = this.claimsOf(token, Math.floor(now / 1000));
    const principal = payload.p as Principal | undefined;
    if (!principal || typeof principal !== 'object' || typeof principal.kind !== 'string') {
      throw new InvalidContextError('signed context carries no principal');
    }
    const ctx: InternalContext = { principal, requestId: String(payload.rid ?? '') };
    if (this.verified.size >= ContextVerifier.MAX_REMEMBERED) this.verified.clear();
    this.verified.set(token, { ctx, expiresAtMs: (payload.exp as number) * 1000 });
    return ctx;
  }

  /** The verified claims; InvalidContextError "invalid signed context" or "expired signed context" otherwise. */
  private claimsOf(token: string, nowSeconds: number): Record<string, unknown> {
    const invalid = () => new InvalidContextError('invalid signed context');
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) throw invalid();
    const [header, payload, signature] = parts as [string, string, string];
    const expected = mac(this.key, `${header}.${payload}`);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    const protectedHeader = jsonObjectOf(header);
    if (!protectedHeader || protectedHeader.alg !== 'HS256' || protectedHeader.crit !== undefined) throw invalid();
    const claims = jsonObjectOf(payload);
    if (!claims) throw invalid();
    const { iss, aud, exp, iat, nbf } = claims;
    if (iss !== ISSUER) throw invalid();
    if (!(aud === AUDIENCE || (Array.isArray(aud) && aud.includes(AUDIENCE)))) throw invalid();
    if (typeof iat !== 'number' || typeof exp !== 'number') throw invalid();
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds)) throw invalid();
    if (exp <= nowSeconds) throw new InvalidContextError('expired signed context');
    return claims;
  }
}

/** A base64url segment's JSON, when it is an object; undefined for anything else. */
function jsonObjectOf(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
