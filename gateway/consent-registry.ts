import { CONSENT_STANDINGS, type ConsentStanding } from '../lib/consents.js';
import { CONTEXT_HEADER, type ContextSigner } from '../lib/context.js';
import { DEADLINE_HEADER } from '../lib/deadline.js';
import { BankError, ErrorCode } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Consent, Principal } from '../lib/principal.js';
import { isTimeout, type Fetcher } from './fetcher.js';
import { REQUEST_ID_HEADER } from './plugins/request-id.js';

/**
 * The consent registry as the gateway sees it. Consents live in the journeys subgraph (lib/consents.ts, the one store
 * a payment consent is consumed in atomically with its payment); the gateway asks it on every request of a partner
 * whose token is bound to a consent, with `POST /internal/consents/{id}/access`, signed like any subgraph fetch
 * (audience `journeys`, the partner as its token says, no consent). The registry answers the consent's standing and,
 * when live, the consent itself; a live answer also counts the access (frequencyPerDay), so the one call both reads
 * and counts, in the store every gateway shares.
 */

export type { ConsentStanding };

const STANDINGS: ReadonlySet<string> = new Set<string>(CONSENT_STANDINGS);

export type ConsentAccess =
  | { readonly standing: 'live'; readonly consent: Consent; readonly accessesToday: number }
  /**
   * A payment consent whose one payment was made: carried (when the registry sends it) so that the payment's replay
   * with the same idempotency key finds its journey, and the partner can follow that journey; the journeys refuse
   * a second payment under it (CONSENT_CONSUMED). It opens nothing else: its only permission is payments:initiate.
   */
  | { readonly standing: 'consumed'; readonly consent: Consent | null; readonly accessesToday: number }
  | { readonly standing: Exclude<ConsentStanding, 'live' | 'consumed'>; readonly consent: null; readonly accessesToday: number };

export type PartnerPrincipal = Extract<Principal, { kind: 'partner' }>;

export interface ConsentRegistry {
  /**
   * The standing of `consentId` for this partner now, counting one access when it is live. `customerPresent`: the
   * request carries `x-fapi-customer-ip-address` (the customer is using the partner's app right now), so it does not
   * count towards frequencyPerDay. Throws UPSTREAM_* (the gateway's side, 503) when the registry cannot answer.
   */
  access(partner: PartnerPrincipal, consentId: string, customerPresent: boolean, requestId: string): Promise<ConsentAccess>;
}

export interface HttpConsentRegistryOptions {
  /** The journeys subgraph's base URL (`http://host:port`, no `/graphql`), or undefined while unknown. */
  baseUrl: () => string | undefined;
  /** The gateway's subgraph pool, with this call's deadline. */
  fetcher: Fetcher;
  timeoutMs: number;
  signer: ContextSigner;
  logger: Logger;
}

/** The service name refusals and logs give: the consent registry is part of the journeys subgraph. */
const SERVICE = 'journeys';

export class HttpConsentRegistry implements ConsentRegistry {
  constructor(private readonly options: HttpConsentRegistryOptions) {}

  async access(partner: PartnerPrincipal, consentId: string, customerPresent: boolean, requestId: string): Promise<ConsentAccess> {
    const { baseUrl, fetcher, timeoutMs, signer, logger } = this.options;
    const base = baseUrl();
    if (!base) throw unavailable('The consent registry is not configured.');
    const url = `${base}/internal/consents/${encodeURIComponent(consentId)}/access`;
    const principal: PartnerPrincipal = { kind: 'partner', clientId: partner.clientId, scopes: [...partner.scopes], consent: null };
    const context = await signer.sign({ principal, requestId }, { audience: SERVICE, expiresAtMs: Date.now() + timeoutMs });
    let status: number;
    let text: string;
    try {
      const response = await fetcher(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          [CONTEXT_HEADER]: context,
          [REQUEST_ID_HEADER]: requestId,
          [DEADLINE_HEADER]: String(timeoutMs),
        },
        body: JSON.stringify({ customerPresent }),
      });
      status = response.status;
      text = await response.text();
    } catch (err) {
      logger.warn({ requestId, service: SERVICE, err }, 'the consent registry did not answer');
      if (isTimeout(err)) {
        throw new BankError(ErrorCode.UPSTREAM_TIMEOUT, 'The consent registry did not answer in time; try again shortly.', { service: SERVICE, cause: err });
      }
      throw unavailable('The consent registry cannot be reached; try again shortly.', err);
    }
    // A registry that refuses the id itself (unknown, or not an id at all) says so with a code of ours: a partner's
    // mistake, answered as a missing consent. Any other refusal is not the partner's doing.
    if ((status === 404 || status === 400) && refusesId(text)) return { standing: 'missing', consent: null, accessesToday: 0 };
    if (status !== 200) {
      // Whatever it is (our context refused, the route missing, the registry failing), it is not the partner's doing.
      logger.error({ requestId, service: SERVICE, status }, 'the consent registry refused the gateway');
      throw unavailable('The consent registry cannot answer; try again shortly.');
    }
    const answer = accessOf(text, consentId);
    if (!answer) {
      logger.error({ requestId, service: SERVICE }, 'the consent registry gave an answer the gateway cannot use');
      throw new BankError(ErrorCode.UPSTREAM_BAD_RESPONSE, 'The consent registry gave an answer the gateway cannot use.', { service: SERVICE });
    }
    return answer;
  }
}

/** True when the body is a refusal of the consent id (CONSENT_NOT_FOUND / CONSENT_INVALID), in REST or GraphQL shape. */
function refusesId(text: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return false;
  }
  if (!isObject(body)) return false;
  const errors = Array.isArray(body.errors) ? (body.errors as unknown[]) : Array.isArray(body.Errors) ? (body.Errors as unknown[]) : [];
  const first = errors[0];
  const nested = isObject(first) ? (isObject(first.extensions) ? first.extensions.code : first.ErrorCode) : undefined;
  const code = body.code ?? nested;
  return code === 'CONSENT_NOT_FOUND' || code === 'CONSENT_INVALID';
}

function unavailable(message: string, cause?: unknown): BankError {
  return new BankError(ErrorCode.UPSTREAM_UNAVAILABLE, message, { service: SERVICE, ...(cause ? { cause } : {}) });
}

/** The route's answer, checked; undefined when it is not what the contract says. */
function accessOf(text: string, consentId: string): ConsentAccess | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || typeof raw.standing !== 'string' || !STANDINGS.has(raw.standing)) return undefined;
  const accessesToday = typeof raw.accessesToday === 'number' && Number.isInteger(raw.accessesToday) ? raw.accessesToday : 0;
  const standing = raw.standing as ConsentStanding;
  if (standing === 'consumed') {
    const spent = raw.consent === null || raw.consent === undefined ? null : consentOf(raw.consent);
    if (spent === undefined || (spent !== null && (spent.id !== consentId || spent.kind !== 'payment'))) return undefined;
    return { standing, consent: spent, accessesToday };
  }
  if (standing !== 'live') return { standing, consent: null, accessesToday };
  const consent = consentOf(raw.consent);
  // A live consent must be the one asked about.
  if (!consent || consent.id !== consentId) return undefined;
  return { standing, consent, accessesToday };
}

/**
 * The consent as the registry gives it (lib/principal.ts's Consent), checked field by field for what the gateway and
 * the subgraphs rely on; the registry's other fields (kind, payment) travel on as they are.
 */
export function consentOf(raw: unknown): Consent | undefined {
  if (!isObject(raw)) return undefined;
  const { id, customerId, accountIds, expiresAt, permissions, transactionFrom, transactionTo } = raw;
  const ok =
    typeof id === 'string' &&
    typeof customerId === 'string' &&
    isStrings(accountIds) &&
    isStrings(permissions) &&
    isInstantOrNull(expiresAt) &&
    isInstantOrNull(transactionFrom ?? null) &&
    isInstantOrNull(transactionTo ?? null);
  if (!ok) return undefined;
  return {
    ...raw,
    id,
    customerId,
    accountIds: [...accountIds],
    expiresAt,
    permissions: [...permissions],
    transactionFrom: (transactionFrom ?? null) as string | null,
    transactionTo: (transactionTo ?? null) as string | null,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isInstantOrNull(value: unknown): value is string | null {
  return value === null || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));
}

/** `http://host/graphql` -> `http://host`; `http://host/journeys/graphql` -> `http://host/journeys`. */
export function subgraphBaseOf(graphqlUrl: string): string {
  const url = new URL(graphqlUrl);
  const path = url.pathname.endsWith('/graphql') ? url.pathname.slice(0, -'/graphql'.length) : url.pathname;
  return `${url.origin}${path.replace(/\/$/, '')}`;
}
