import { SignJWT, createLocalJWKSet, errors, importJWK, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { CONTEXT_ALGORITHMS, type ContextPublicKeys, type ContextSigningKey } from './context-keys.js';
import type { Principal } from './principal.js';

/**
 * The signed internal context: how a subgraph knows a request came through the gateway, and for whom.
 * The gateway alone signs it, with a private key (Ed25519 or P-256) no subgraph holds; subgraphs verify it with the
 * public keys (lib/context-keys.ts). Each context names the one subgraph it is for (`aud`) and expires with the
 * gateway's deadline for that fetch, so a subgraph, or whoever reads a subgraph's environment or captures one of its
 * requests, can neither mint a context nor replay one to another subgraph or after the fetch is over.
 * A subgraph refuses (401) any request without a valid one, so a subgraph port is never a way around the gateway.
 */

/** Header the gateway sets on every subgraph fetch. */
export const CONTEXT_HEADER = 'x-bankgraph-context';

const ISSUER = 'bankgraph-gateway';
/** The JWS `typ`: a bearer token of another kind signed with the same key would not pass as a context. */
const TYPE = 'bankgraph-context+jwt';

export interface InternalContext {
  readonly principal: Principal;
  readonly requestId: string;
}

/** Whom a context is for and until when. */
export interface ContextScope {
  /**
   * The subgraph's name as in the supergraph ("accounts"): only that subgraph accepts it. The gateway always names
   * one; a list is for bench/peers.ts, whose peer gateways forward one header to every subgraph.
   */
  readonly audience: string | readonly string[];
  /** When the gateway stops waiting for the fetch (epoch ms): the context's `exp`, to the millisecond. */
  readonly expiresAtMs: number;
}

export class ContextSigner {
  private key: Promise<CryptoKey> | undefined;

  constructor(private readonly signingKey: ContextSigningKey) {}

  sign(ctx: InternalContext, scope: ContextScope): Promise<string> {
    const { alg, kid, jwk } = this.signingKey;
    this.key ??= importJWK(jwk, alg) as Promise<CryptoKey>; // a private EC/OKP JWK imports as a CryptoKey, never bytes
    const nowMs = Date.now();
    return this.key.then((key) =>
      new SignJWT({ p: ctx.principal, rid: ctx.requestId })
        .setProtectedHeader({ alg, kid, typ: TYPE })
        .setIssuer(ISSUER)
        .setAudience(typeof scope.audience === 'string' ? scope.audience : [...scope.audience])
        .setIssuedAt(Math.floor(nowMs / 1000))
        // NumericDate may carry a fraction (RFC 7519 §2): a deadline under a second away stays in the future.
        .setExpirationTime(Math.floor(scope.expiresAtMs) / 1000)
        .sign(key),
    );
  }
}

export class InvalidContextError extends Error {
  override readonly name = 'InvalidContextError';
}

/**
 * Verifies contexts with the public keys it holds (the token's `kid` picks one: two keys during a rotation), for one
 * audience. Remembers the ones it has verified until they expire: one gateway request sends the same context to a
 * subgraph for each of its fetches there.
 */
export class ContextVerifier {
  private readonly keys: ReturnType<typeof createLocalJWKSet>;
  private readonly verified = new Map<string, { ctx: InternalContext; audience: string; expiresAtMs: number }>();
  private static readonly MAX_REMEMBERED = 10_000;

  constructor(publicKeys: ContextPublicKeys) {
    this.keys = createLocalJWKSet({ keys: [...publicKeys.keys] });
  }

  /** The context, if `token` is a valid one for `audience` (the subgraph verifying it); InvalidContextError otherwise. */
  async verify(token: string | undefined, audience: string): Promise<InternalContext> {
    if (!token) throw new InvalidContextError('missing signed context: requests must come through the gateway');
    const hit = this.verified.get(token);
    if (hit && hit.audience === audience && hit.expiresAtMs > Date.now()) return hit.ctx;
    const payload = await this.claimsOf(token, audience);
    const principal = payload.p as Principal | undefined;
    if (!principal || typeof principal !== 'object' || typeof principal.kind !== 'string') {
      throw new InvalidContextError('signed context carries no principal');
    }
    const ctx: InternalContext = { principal, requestId: String(payload.rid ?? '') };
    if (this.verified.size >= ContextVerifier.MAX_REMEMBERED) this.verified.clear();
    this.verified.set(token, { ctx, audience, expiresAtMs: (payload.exp ?? 0) * 1000 });
    return ctx;
  }

  /** jose's checks, and `exp` to the millisecond (jose compares whole seconds). */
  private async claimsOf(token: string, audience: string): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: ISSUER,
        audience,
        typ: TYPE,
        algorithms: [...CONTEXT_ALGORITHMS],
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new InvalidContextError('expired signed context');
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'aud') throw new InvalidContextError('signed context is for another subgraph');
      throw new InvalidContextError('invalid signed context');
    }
    if ((payload.exp ?? 0) * 1000 <= Date.now()) throw new InvalidContextError('expired signed context');
    return payload;
  }
}
