import { SignJWT, createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { authConfig, type AuthConfig } from './config.js';
import { BankError, ErrorCode } from './errors.js';
import { STAFF_ROLES, type Principal, type StaffRole } from './principal.js';

/**
 * Bearer tokens: minting sandbox tokens (the token script, tests) and verifying any token into a Principal (the
 * gateway). Two kinds of issuer are trusted, each with its own keys, and the token's `iss` picks which (an issuer the
 * gateway does not know is refused before any key is fetched):
 *
 * - the first-party issuer (JWT_ISSUER): sandbox HS256 tokens (JWT_SECRET) or the identity provider's (JWKS_URL), for
 *   customers, staff and the token script's sandbox partner tokens. Claims, namespaced so they never collide with an
 *   identity provider's:
 *   - `sub`: the customer id, staff id or partner client id
 *   - `bankgraph:kind`: 'customer' | 'staff' | 'partner'
 *   - `bankgraph:role`: the staff role ('support' | 'operations')
 *   - `scope`: a partner's scopes, space-separated (OAuth 2.0 style)
 *   - `bankgraph:consent_id`: the id of the consent a partner acts under
 *   - `bankgraph:consent`: an embedded consent {id, ...} (older tokens): only its id is taken
 * - the bank's OAuth 2.0 authorisation server (PARTNER_TOKEN_ISSUER, keys at PARTNER_JWKS_URL; ES256, PS256 or RS256
 *   only), for partners only: `client_id` is the partner, `sub` the customer (authorisation code) or the client
 *   (client credentials), `scope`, `bankgraph:kind: partner` and, for a token bound to a consent,
 *   `bankgraph:consent_id` (or, failing that, the `consent_id` of its RFC 9396 `authorization_details`).
 *
 * A token never carries the consent itself: the gateway asks the consent registry for it on every request
 * (gateway/plugins/partner-access.ts), so a revoked or expired consent stops working at once.
 */

export const CLAIM_KIND = 'bankgraph:kind';
export const CLAIM_ROLE = 'bankgraph:role';
export const CLAIM_CONSENT = 'bankgraph:consent';
export const CLAIM_CONSENT_ID = 'bankgraph:consent_id';

export type SandboxTokenSubject =
  | { customer: string }
  | { staff: StaffRole; staffId?: string }
  | { partner: string; scopes?: string[]; consentId?: string };

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
  /** Key source of the first-party issuer instead of the secret or JWKS URL of the config (tests use a local JWKS). */
  keys?: JWTVerifyGetKey;
  /** Key source of the authorisation server instead of config.partnerTokens.jwksUrl (its issuer still comes from the config). */
  partnerKeys?: JWTVerifyGetKey;
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

/** Asymmetric algorithms accepted from a JWKS: never HS*, so a public key can never pass as an HMAC secret. */
const IDENTITY_PROVIDER_ALGORITHMS = ['RS256', 'ES256'];
/** What the authorisation server may sign with (FAPI 2.0 allows PS256 and ES256; RS256 for older servers). */
const AUTHORISATION_SERVER_ALGORITHMS = ['ES256', 'PS256', 'RS256'];

/** One trusted issuer: its keys, the algorithms it may use, and whom its tokens may stand for. */
interface Issuer {
  readonly issuer: string;
  readonly key: Uint8Array | JWTVerifyGetKey;
  readonly algorithms: readonly string[];
  /** 'first-party': customers, staff, sandbox partners; 'authorisation-server': partners only, `client_id`. */
  readonly role: 'first-party' | 'authorisation-server';
}

/**
 * Verifies a bearer token into a Principal, or throws BankError(UNAUTHENTICATED) saying what was wrong.
 * The unverified `iss` picks the issuer (and so the keys and algorithms); jose then checks everything, `iss` included.
 * The algorithm list is fixed per issuer, so `alg: none`, or an HS256 token signed with a public key, never verifies.
 */
export class TokenVerifier {
  private readonly issuers = new Map<string, Issuer>();
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
    let firstParty: Issuer;
    if (options.keys) {
      firstParty = { issuer: config.issuer, key: options.keys, algorithms: IDENTITY_PROVIDER_ALGORITHMS, role: 'first-party' };
    } else if (config.jwksUrl) {
      const key = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 2000, cooldownDuration: 30_000 });
      firstParty = { issuer: config.issuer, key, algorithms: IDENTITY_PROVIDER_ALGORITHMS, role: 'first-party' };
    } else {
      if (!config.jwtSecret) throw new Error('TokenVerifier needs either jwtSecret or jwksUrl');
      firstParty = { issuer: config.issuer, key: new TextEncoder().encode(config.jwtSecret), algorithms: ['HS256'], role: 'first-party' };
    }
    this.issuers.set(firstParty.issuer, firstParty);
    if (config.partnerTokens) {
      const { issuer, jwksUrl } = config.partnerTokens;
      if (this.issuers.has(issuer)) throw new Error('the authorisation server must have an issuer of its own');
      // One key set per gateway, fetched on first use and cached by jose (refetched on an unknown kid, at most every 30 s).
      const key = options.partnerKeys ?? createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 2000, cooldownDuration: 30_000 });
      this.issuers.set(issuer, { issuer, key, algorithms: AUTHORISATION_SERVER_ALGORITHMS, role: 'authorisation-server' });
    }
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

  /** The issuer the token claims, if this gateway trusts it; the claim is checked again, with the signature, by jose. */
  private issuerOf(token: string): Issuer {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw unauthenticated('The bearer token is malformed.');
    }
    const issuer = typeof iss === 'string' ? this.issuers.get(iss) : undefined;
    if (!issuer) {
      throw iss === undefined
        ? unauthenticated('The bearer token lacks the required "iss" claim.')
        : unauthenticated('The bearer token was issued by an issuer this gateway does not trust.');
    }
    return issuer;
  }

  private async verifyWithJose(token: string): Promise<{ token: VerifiedToken; exp: number }> {
    const issuer = this.issuerOf(token);
    let payload: JWTPayload;
    try {
      const options = {
        issuer: issuer.issuer,
        audience: this.audience,
        algorithms: [...issuer.algorithms],
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.clockTolerance,
      };
      // Two calls rather than one on a union: jose overloads jwtVerify on the key type.
      const result =
        issuer.key instanceof Uint8Array
          ? await jwtVerify(token, issuer.key, options)
          : await jwtVerify(token, issuer.key, options);
      payload = result.payload;
    } catch (err) {
      throw verificationError(err, issuer);
    }
    const principal = issuer.role === 'authorisation-server' ? partnerOfAuthorisationServer(payload) : principalOf(payload);
    return {
      token: {
        principal,
        consentId: principal.kind !== 'partner' ? null : issuer.role === 'authorisation-server' ? authorisedConsentIdOf(payload) : consentIdOf(payload),
        // An authorisation code token's `sub` is the customer who approved; a client-credentials token's is the client.
        authorisedBy: issuer.role === 'authorisation-server' && payload.sub !== payload.client_id ? (payload.sub as string) : null,
      },
      // Required and numeric, or jose refused the token.
      exp: payload.exp as number,
    };
  }
}

export interface VerifiedToken {
  /** For a partner, `consent` is always null here: the gateway puts in the consent the registry has. */
  readonly principal: Principal;
  readonly consentId: string | null;
  /**
   * The customer who authorised the token (the authorisation server's `sub` when it is not the client): the consent
   * it is bound to must be that customer's. Null for first-party tokens and client-credentials tokens.
   */
  readonly authorisedBy: string | null;
}

/** `bankgraph:consent_id`, else the id of an embedded `bankgraph:consent` (older tokens), else null. */
function consentIdOf(payload: JWTPayload): string | null {
  const id = payload[CLAIM_CONSENT_ID];
  if (id === undefined) return embeddedConsentIdOf(payload[CLAIM_CONSENT]);
  if (typeof id !== 'string' || !SUBJECT.test(id)) {
    throw unauthenticated(`The bearer token's "${CLAIM_CONSENT_ID}" claim must be a printable id of at most 256 characters.`);
  }
  return id;
}

/** RFC 9396 types that name an Open Banking consent. */
const CONSENT_DETAIL_TYPES: ReadonlySet<string> = new Set(['openbanking_account_access_consent', 'openbanking_payment_consent']);

/**
 * The consent an authorisation server's token is bound to: `bankgraph:consent_id`, else the one `consent_id` of its
 * RFC 9396 `authorization_details` of an Open Banking type; two different ones are refused (which would it be?).
 */
function authorisedConsentIdOf(payload: JWTPayload): string | null {
  if (payload[CLAIM_CONSENT_ID] !== undefined) return consentIdOf(payload);
  const details = payload.authorization_details;
  if (details === undefined) return null;
  if (!Array.isArray(details)) throw unauthenticated('The bearer token "authorization_details" claim must be a list.');
  const ids = new Set<string>();
  for (const detail of details as unknown[]) {
    if (typeof detail !== 'object' || detail === null) continue;
    const { type, consent_id: id } = detail as { type?: unknown; consent_id?: unknown };
    if (typeof type !== 'string' || !CONSENT_DETAIL_TYPES.has(type)) continue;
    if (typeof id !== 'string' || !SUBJECT.test(id)) throw unauthenticated('An "authorization_details" consent_id must be a printable id of at most 256 characters.');
    ids.add(id);
  }
  if (ids.size > 1) throw unauthenticated('The bearer token is bound to more than one consent.');
  return ids.values().next().value ?? null;
}

function unauthenticated(message: string): BankError {
  return new BankError(ErrorCode.UNAUTHENTICATED, message);
}

/** jose's error, told in words a client can act on; never the token itself. */
function verificationError(err: unknown, issuer: Issuer): BankError {
  const remoteKeys = !(issuer.key instanceof Uint8Array);
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
    const service = issuer.role === 'authorisation-server' ? 'authorisation-server' : 'identity-provider';
    return new BankError(ErrorCode.UPSTREAM_UNAVAILABLE, `The ${service.replace('-', ' ')} cannot be reached; try again shortly.`, {
      service,
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
      return { kind: 'partner', clientId: sub, scopes: scopesOf(payload.scope), consent: null };
    default:
      throw unauthenticated(`The bearer token's "${CLAIM_KIND}" claim must be customer, staff or partner.`);
  }
}

function scopesOf(scope: unknown): string[] {
  if (scope === undefined) return [];
  if (typeof scope !== 'string') throw unauthenticated('The bearer token "scope" claim must be a space-separated string.');
  return scope.split(' ').filter((s) => s.length > 0);
}

/** The id of an embedded consent claim (older sandbox tokens); the rest of the copy is never trusted. */
function embeddedConsentIdOf(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  const id = typeof raw === 'object' && !Array.isArray(raw) ? (raw as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || !SUBJECT.test(id)) {
    throw unauthenticated(`The bearer token's "${CLAIM_CONSENT}" claim must be an object with a printable "id".`);
  }
  return id;
}

/**
 * A partner as the authorisation server's token states it: `client_id` is the partner (`sub` may be the customer who
 * authorised it), and the server issues tokens for partners only.
 */
function partnerOfAuthorisationServer(payload: JWTPayload): Principal {
  if (payload[CLAIM_KIND] !== 'partner') {
    throw unauthenticated(`The authorisation server's tokens stand for partners only: "${CLAIM_KIND}" must be partner.`);
  }
  const clientId = payload.client_id;
  if (typeof clientId !== 'string' || !SUBJECT.test(clientId)) {
    throw unauthenticated('The bearer token "client_id" claim must be a printable id of at most 256 characters.');
  }
  if (typeof payload.sub !== 'string' || !SUBJECT.test(payload.sub)) {
    throw unauthenticated('The bearer token "sub" claim must be a printable id of at most 256 characters.');
  }
  return { kind: 'partner', clientId, scopes: scopesOf(payload.scope), consent: null };
}
