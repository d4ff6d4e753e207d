import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
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

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export class ContextSigner {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = keyOf(secret);
  }

  sign(ctx: InternalContext): Promise<string> {
    return new SignJWT({ p: ctx.principal, rid: ctx.requestId })
      .setProtectedHeader({ alg: 'HS256', typ: 'bankgraph-context+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }
}

export class InvalidContextError extends Error {
  override readonly name = 'InvalidContextError';
}

/**
 * Verifies contexts; remembers the ones it has verified until they expire, since one gateway request fans out
 * into several fetches with the same context and HMAC verification is not free.
 */
export class ContextVerifier {
  private readonly key: Uint8Array;
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
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'iat'],
      });
      const principal = payload.p as Principal | undefined;
      if (!principal || typeof principal !== 'object' || typeof principal.kind !== 'string') {
        throw new InvalidContextError('signed context carries no principal');
      }
      const ctx: InternalContext = { principal, requestId: String(payload.rid ?? '') };
      if (this.verified.size >= ContextVerifier.MAX_REMEMBERED) this.verified.clear();
      this.verified.set(token, { ctx, expiresAtMs: (payload.exp ?? 0) * 1000 });
      return ctx;
    } catch (err) {
      if (err instanceof InvalidContextError) throw err;
      const reason = err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid';
      throw new InvalidContextError(`${reason} signed context`);
    }
  }
}
