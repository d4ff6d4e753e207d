/**
 * The authorisation server's one client of the bank's consent registry (the journeys subgraph's internal routes,
 * issue 13's contract):
 *
 *   GET  {CONSENTS_URL}/internal/consents/{id}/authorisation?customer=cust-0001
 *        -> 200 { consent, partnerName, permissions: [{ scope, text }], accounts: [{ id, name, currency, maskedNumber }] }
 *           404 CONSENT_NOT_FOUND, 409 CONSENT_STATE_CONFLICT
 *   POST {CONSENTS_URL}/internal/consents/{id}/authorisation  { customer, decision, accountIds }
 *        -> 200 { status: "Authorised" | "Rejected" }, 400 CONSENT_INVALID, 409 CONSENT_STATE_CONFLICT
 *
 * both with `Authorization: Bearer <CONSENT_AUTHORISATION_TOKEN>`. Everything else in the server speaks to the
 * registry through this file, so pointing the server at another registry is a change here only.
 */

export interface ConsentPayment {
  readonly amount: string;
  readonly currency: string;
  readonly creditorName: string;
  readonly creditorAccount: string;
  readonly reference: string | null;
  readonly sourceAccountId: string | null;
}

/** The fields of the registry's ConsentRecord that the server reads (the record has more). */
export interface ConsentForAuthorisation {
  readonly id: string;
  readonly kind: 'account-access' | 'payment';
  readonly partner: string;
  readonly status: string;
  readonly permissions: readonly string[];
  readonly requestedAccountIds: readonly string[] | null;
  readonly expiresAt: string | null;
  readonly transactionFrom: string | null;
  readonly transactionTo: string | null;
  readonly payment: ConsentPayment | null;
}

export interface AuthorisationView {
  readonly consent: ConsentForAuthorisation;
  readonly partnerName: string;
  readonly permissions: readonly { readonly scope: string; readonly text: string }[];
  readonly accounts: readonly { readonly id: string; readonly name: string; readonly currency: string; readonly maskedNumber: string }[];
}

export type Decision = 'approve' | 'decline';

/** What the registry answered: the view, or its refusal (status and stable code), or that it could not be asked. */
export type RegistryAnswer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly status: number; readonly code: string };

export interface ConsentRegistry {
  authorisationView(consentId: string, customer: string): Promise<RegistryAnswer<AuthorisationView>>;
  decide(consentId: string, customer: string, decision: Decision, accountIds: readonly string[]): Promise<RegistryAnswer<{ status: string }>>;
}

export interface ConsentRegistryOptions {
  /** Base URL of the journeys subgraph (no trailing /internal). */
  readonly baseUrl: string;
  /** CONSENT_AUTHORISATION_TOKEN. */
  readonly token: string;
  readonly timeoutMs?: number;
}

/** 502 with this code: the registry did not answer, or answered what the contract does not say. */
export const REGISTRY_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE';

export function consentRegistry(options: ConsentRegistryOptions): ConsentRegistry {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5000;
  const headers = { authorization: `Bearer ${options.token}`, accept: 'application/json' };

  async function call<T>(url: string, init: RequestInit, isValue: (body: unknown) => body is T): Promise<RegistryAnswer<T>> {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch {
      return { ok: false, status: 502, code: REGISTRY_UNAVAILABLE };
    }
    const body = (await res.json().catch(() => undefined)) as unknown;
    if (res.ok) return isValue(body) ? { ok: true, value: body } : { ok: false, status: 502, code: REGISTRY_UNAVAILABLE };
    const code = typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string' ? (body as { code: string }).code : undefined;
    // Only what the contract says about the consent passes through (unknown, not awaiting, an invalid choice). A 5xx,
    // a refusal without a code, or the registry refusing this server (401/403: a wrong CONSENT_AUTHORISATION_TOKEN)
    // is not the customer's doing: the bank cannot answer.
    if (code === undefined || ![400, 404, 409].includes(res.status)) {
      if (res.status === 401 || res.status === 403) console.error(`authorisation-server: the consent registry refused this server (${res.status}); check CONSENT_AUTHORISATION_TOKEN`);
      return { ok: false, status: 502, code: REGISTRY_UNAVAILABLE };
    }
    return { ok: false, status: res.status, code };
  }

  const path = (id: string): string => `${base}/internal/consents/${encodeURIComponent(id)}/authorisation`;

  return {
    authorisationView: (consentId, customer) =>
      call(`${path(consentId)}?customer=${encodeURIComponent(customer)}`, { method: 'GET', headers }, isAuthorisationView),
    decide: (consentId, customer, decision, accountIds) =>
      call(
        path(consentId),
        { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ customer, decision, accountIds }) },
        (b): b is { status: string } => typeof b === 'object' && b !== null && typeof (b as { status?: unknown }).status === 'string',
      ),
  };
}

function isAuthorisationView(body: unknown): body is AuthorisationView {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  const c = b.consent as Record<string, unknown> | null | undefined;
  return (
    typeof c === 'object' && c !== null && typeof c.id === 'string' && typeof c.partner === 'string' && typeof c.status === 'string' &&
    Array.isArray(c.permissions) && typeof b.partnerName === 'string' && Array.isArray(b.permissions) && Array.isArray(b.accounts)
  );
}
