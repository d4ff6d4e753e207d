import { SignJWT, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { authConfig, type AuthConfig } from './config.js';
import { BankError, ErrorCode } from './errors.js';
import { STAFF_ROLES, type Consent, type Principal, type StaffRole } from './principal.js';

/**
 * Bearer tokens: minting sandbox tokens (the token script, tests) and verifying any token into a Principal (the
 * gateway). The claims are ours, namespaced so they never collide with an identity provider's:
 *
 * - `sub`: the customer id, staff id or partner client id
 * - `bankgraph:kind`: 'customer' | 'staff' | 'partner'
 * - `bankgraph:role`: the staff role ('support' | 'operations')
 * - `scope`: a partner's granted scopes, space-separated (OAuth 2.0 style)
 * - `bankgraph:consent_id`: the id of the consent a partner acts under. The gateway loads the consent itself from the
 *   ConsentStore on every request (lib/consents.ts), so a revoked or expired consent stops working at once.
 * - `bankgraph:consent`: an embedded consent {id, customerId, accountIds, expiresAt} (older tokens); the gateway
 *   only takes its id and loads the rest, never trusting the copy in the token.
 */

export const CLAIM_KIND = 'bankgraph:kind';
export const CLAIM_ROLE = 'bankgraph:role';
export const CLAIM_CONSENT = 'bankgraph:consent';
export const CLAIM_CONSENT_ID = 'bankgraph:consent_id';

export type SandboxTokenSubject =
  | { customer: string }
  | { staff: StaffRole; staffId?: string }
  | { partner: string; scopes?: string[]; consentId?: string; consent?: Consent };

export interface MintOptions {
  /** HS256 secret. @default authConfig().jwtSecret (the sandbox secret unless JWT_SECRET is set) */
  secret?: string;
  /** Lifetime in jose's notation ("15m", "1h", "2d"). @default '1h' */
  expiresIn?: string;
  /** @default authConfig().issuer */
  issuer?: string;
  /** @default authConfig().audience */
  audience?: string;
}

/** A sandbox token (HS256) for a customer, a staff member or a partner. */
export async function mintSandboxToken(subject: SandboxTokenSubject, options: MintOptions = {}): Promise<string> {
  const defaults = options.secret && options.issuer && options.audience ? undefined : authConfig();
  const secret = options.secret ?? defaults?.jwtSecret;
  if (!secret) {
    throw new Error(
      'cannot mint a sandbox token: no JWT secret (JWKS_URL is set, so tokens come from the identity provider)',
    );
  }
  const { sub, claims } = claimsOf(subject);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(options.issuer ?? defaults?.issuer ?? '')
    .setAudience(options.audience ?? defaults?.audience ?? '')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(secret));
}

function claimsOf(subject: SandboxTokenSubject): { sub: string; claims: JWTPayload } {
  if ('customer' in subject) return { sub: subject.customer, claims: { [CLAIM_KIND]: 'customer' } };
  if ('staff' in subject) {
    return {
      sub: subject.staffId ?? `staff-${subject.staff}`,
      claims: { [CLAIM_KIND]: 'staff', [CLAIM_ROLE]: subject.staff },
    };
  }
  const claims: JWTPayload = { [CLAIM_KIND]: 'partner', scope: (subject.scopes ?? []).join(' ') };
  if (subject.consent) claims[CLAIM_CONSENT] = { ...subject.consent, accountIds: [...subject.consent.accountIds] };
  if (subject.consentId) claims[CLAIM_CONSENT_ID] = subject.consentId;
  return { sub: subject.partner, claims };
}

/** Tokens longer than this are refused before any parsing: no identity provider issues 8 KiB bearer tokens. */
const MAX_TOKEN_LENGTH = 8192;
/** Printable, no spaces, bounded: what a customer id, staff id or client id may look like. */
const SUBJECT = /^[\x21-\x7e]{1,256}$/;

export interface TokenVerifierOptions {
  /** Seconds of clock skew tolerated on exp/iat/nbf. @default 30 */
  clockToleranceSeconds?: number;
  /** Key source instead of the secret or JWKS URL of the config (tests use a local JWKS). */
  keys?: JWTVerifyGetKey;
  /**
   * How many verified tokens are remembered (least recently used first out); 0 remembers none.
   * @default 10000
   */
  rememberTokens?: number;
  /**
   * The longest a verified token is remembered, in ms, however far off its `exp` is. With remote keys this bounds how
   * long a token stays accepted after the identity provider withdrew its signing key (jose's own key set cache keeps
   * a withdrawn key for up to 10 minutes anyway). @default 60000
   */
  rememberForMs?: number;
}

/**
 * Verifies a bearer token into a Principal, or throws BankError(UNAUTHENTICATED) saying what was wrong.
 * HS256 with the configured secret (sandbox), or RS256/ES256 against the identity provider's JWKS when `jwksUrl`
 * is set. The algorithm list is fixed per key type, so `alg: none` or an HS256 token signed with a public key
 * never verifies.
 */
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly issuer: string;
  private readonly audience: string;
  private readonly clockTolerance: number;
  /**
   * Tokens verified, by their exact text (signature included), with when that verification stops holding: a client
   * sends the same token on every request until it expires, and verifying it is the gateway's costliest step per
   * request (issue 7's profile). Only successes are remembered, and only until the moment jose would start refusing
   * the token as expired (`exp` plus the same clock tolerance), at most `rememberForMs`: past that it goes through
   * jose again. Nothing else jose checks changes with time: `nbf` once passed stays passed, and the claims are the
   * token's own.
   */
  private readonly remembered = new Map<string, { verified: VerifiedToken; untilMs: number }>();
  private readonly rememberTokens: number;
  private readonly rememberForMs: number;

  constructor(config: AuthConfig, options: TokenVerifierOptions = {}) {
    if (options.keys) {
      this.key = options.keys;
      this.algorithms = ['RS256', 'ES256'];
    } else if (config.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 2000, cooldownDuration: 30_000 });
      this.algorithms = ['RS256', 'ES256'];
    } else {
      if (!config.jwtSecret) throw new Error('TokenVerifier needs either jwtSecret or jwksUrl');
      this.key = new TextEncoder().encode(config.jwtSecret);
      this.algorithms = ['HS256'];
    }
    this.issuer = config.issuer;
    this.audience = config.audience;
    this.clockTolerance = options.clockToleranceSeconds ?? 30;
    this.rememberTokens = options.rememberTokens ?? 10_000;
    this.rememberForMs = options.rememberForMs ?? 60_000;
  }

  async verify(token: string): Promise<Principal> {
    return (await this.verifyToken(token)).principal;
  }

  /** The principal as the token states it, plus the consent id a partner token names (null for others). */
  async verifyToken(token: string): Promise<VerifiedToken> {
    if (!token) throw unauthenticated('The bearer token is empty.');
    if (token.length > MAX_TOKEN_LENGTH) throw unauthenticated('The bearer token is too long.');
    const now = Date.now();
    const hit = this.remembered.get(token);
    if (hit) {
      this.remembered.delete(token);
      // A copy: the caller may build on the principal; the remembered one stays as the token says.
      if (now < hit.untilMs) {
        this.remembered.set(token, hit);
        return structuredClone(hit.verified);
      }
    }
    const verified = await this.verifyWithJose(token);
    if (this.rememberTokens > 0 && this.rememberForMs > 0) {
      const exp = verified.exp;
      this.remembered.set(token, { verified: verified.token, untilMs: Math.min((exp + this.clockTolerance) * 1000, now + this.rememberForMs) });
      if (this.remembered.size > this.rememberTokens) this.remembered.delete(this.remembered.keys().next().value as string);
      return structuredClone(verified.token);
    }
    return verified.token;
  }

  private async verifyWithJose(token: string): Promise<{ token: VerifiedToken; exp: number }> {
    let payload: JWTPayload;
    try {
      const options = {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: this.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.clockTolerance,
      };
      // Two calls rather than one on a union: jose overloads jwtVerify on the key type.
      const result =
        this.key instanceof Uint8Array
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, this.key, options);
      payload = result.payload;
    } catch (err) {
      throw verificationError(err, !(this.key instanceof Uint8Array));
    }
    const principal = principalOf(payload);
    return {
      token: { principal, consentId: principal.kind === 'partner' ? consentIdOf(payload, principal.consent) : null },
      // Required and numeric, or jose refused the token.
      exp: payload.exp as number,
    };
  }
}

export interface VerifiedToken {
  /** For a partner, `consent` is what the token embeds (if anything): the gateway replaces it with the live one. */
  readonly principal: Principal;
  readonly consentId: string | null;
}

function consentIdOf(payload: JWTPayload, embedded: Consent | null): string | null {
  const id = payload[CLAIM_CONSENT_ID];
  if (id === undefined) return embedded?.id ?? null;
  if (typeof id !== 'string' || !SUBJECT.test(id)) {
    throw unauthenticated(`The bearer token's "${CLAIM_CONSENT_ID}" claim must be a printable id of at most 256 characters.`);
  }
  return id;
}

function unauthenticated(message: string): BankError {
  return new BankError(ErrorCode.UNAUTHENTICATED, message);
}

/** jose's error, told in words a client can act on; never the token itself. */
function verificationError(err: unknown, remoteKeys: boolean): BankError {
  if (err instanceof joseErrors.JWTExpired) return unauthenticated('The bearer token has expired.');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return unauthenticated('The bearer token was issued by an issuer this gateway does not trust.');
      case 'aud':
        return unauthenticated('The bearer token was issued for another audience.');
      case 'nbf':
        return unauthenticated('The bearer token is not valid yet.');
      default:
        return err.reason === 'missing'
          ? unauthenticated(`The bearer token lacks the required "${err.claim}" claim.`)
          : unauthenticated(`The bearer token's "${err.claim}" claim is invalid.`);
    }
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) {
    return unauthenticated('The bearer token is signed with an algorithm this gateway does not accept.');
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return unauthenticated('The bearer token signature is invalid.');
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return unauthenticated('The bearer token is signed with a key this gateway does not know.');
  }
  const keysUnreachable = err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid || err instanceof TypeError;
  if (remoteKeys && keysUnreachable) {
    // The identity provider's keys could not be fetched: not the caller's fault, so not UNAUTHENTICATED.
    return new BankError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The identity provider cannot be reached; try again shortly.', {
      service: 'identity-provider',
      cause: err,
    });
  }
  if (err instanceof joseErrors.JOSEError) return unauthenticated('The bearer token is malformed.');
  return unauthenticated('The bearer token could not be verified.');
}

function principalOf(payload: JWTPayload): Principal {
  const sub = payload.sub;
  if (typeof sub !== 'string' || !SUBJECT.test(sub)) {
    throw unauthenticated('The bearer token "sub" claim must be a printable id of at most 256 characters.');
  }
  const kind = payload[CLAIM_KIND];
  switch (kind) {
    case 'customer':
      return { kind: 'customer', customerId: sub };
    case 'staff': {
      const role = payload[CLAIM_ROLE];
      if (!STAFF_ROLES.includes(role as StaffRole)) {
        throw unauthenticated(`The bearer token's staff role must be one of ${STAFF_ROLES.join(', ')}.`);
      }
      return { kind: 'staff', staffId: sub, role: role as StaffRole };
    }
    case 'partner':
      return {
        kind: 'partner',
        clientId: sub,
        scopes: scopesOf(payload.scope),
        consent: consentOf(payload[CLAIM_CONSENT]),
      };
    default:
      throw unauthenticated(`The bearer token's "${CLAIM_KIND}" claim must be customer, staff or partner.`);
  }
}

function scopesOf(scope: unknown): string[] {
  if (scope === undefined) return [];
  if (typeof scope !== 'string') throw unauthenticated('The bearer token "scope" claim must be a space-separated string.');
  return scope.split(' ').filter((s) => s.length > 0);
}

function consentOf(raw: unknown): Consent | null {
  if (raw === undefined || raw === null) return null;
  const c = raw as Partial<Record<keyof Consent, unknown>>;
  const ok =
    typeof raw === 'object' &&
    typeof c.id === 'string' &&
    typeof c.customerId === 'string' &&
    typeof c.expiresAt === 'string' &&
    !Number.isNaN(Date.parse(c.expiresAt)) &&
    Array.isArray(c.accountIds) &&
    c.accountIds.every((a) => typeof a === 'string');
  if (!ok) {
    throw unauthenticated(
      `The bearer token's "${CLAIM_CONSENT}" claim must be {id, customerId, accountIds: string[], expiresAt: ISO 8601}.`,
    );
  }
  return {
    id: c.id as string,
    customerId: c.customerId as string,
    accountIds: [...(c.accountIds as string[])],
    expiresAt: c.expiresAt as string,
  };
}
