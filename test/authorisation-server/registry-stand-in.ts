import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsentPayment } from '../../legacy/authorisation-server/consents-client.js';

/**
 * A stand-in for the consent registry's two internal authorisation routes (issue 13's contract; the real ones are
 * the journeys subgraph's, built by another part, and the end-to-end test runs against those). It implements the
 * contract faithfully, refusals included, so the authorisation server is tested against what it will meet:
 *
 *   GET  /internal/consents/{id}/authorisation?customer=…   200 view | 401 | 404 CONSENT_NOT_FOUND | 409 CONSENT_STATE_CONFLICT
 *   POST /internal/consents/{id}/authorisation               200 {status} | 400 CONSENT_INVALID | 401 | 404 | 409
 *
 * `decisions` records every POST it accepted, for the tests to assert on.
 */

export interface StandInConsent {
  id: string;
  kind: 'account-access' | 'payment';
  partner: string;
  status: string;
  customerId: string | null;
  permissions: string[];
  requestedAccountIds: string[] | null;
  accountIds: string[];
  expiresAt: string | null;
  transactionFrom: string | null;
  transactionTo: string | null;
  payment: ConsentPayment | null;
}

export interface StandInAccount {
  id: string;
  name: string;
  currency: string;
  maskedNumber: string;
}

const TEXTS: Record<string, string> = {
  'accounts:basic': 'List the consented accounts: id, product name, currency and status.',
  'accounts:detail': 'Account numbers and opening dates of the consented accounts.',
  'balances:read': 'Balances of the consented accounts.',
  'transactions:read': 'Transactions of the consented accounts.',
  'payments:initiate': 'Initiate payments from the consented accounts.',
};

const PARTNER_NAMES: Record<string, string> = { 'budget-app': 'Budget App (sandbox)', 'payroll-app': 'Payroll App (sandbox)' };

/** cust-0001's accounts as legacy/SANDBOX.md has them. */
export const CUST_0001_ACCOUNTS: StandInAccount[] = [
  { id: 'acc-5001', name: 'Everyday Current', currency: 'EUR', maskedNumber: '…5001' },
  { id: 'acc-5002', name: 'Easy Saver', currency: 'GBP', maskedNumber: '…5002' },
  { id: 'acc-5003', name: 'Dollar Account', currency: 'USD', maskedNumber: '…5003' },
];

export interface RegistryStandIn {
  readonly url: string;
  readonly token: string;
  readonly consents: Map<string, StandInConsent>;
  readonly decisions: { id: string; customer: string; decision: string; accountIds: string[] }[];
  /** GET calls, to prove the server asked before showing a page. */
  readonly views: { id: string; customer: string | null }[];
  add(consent: Partial<StandInConsent> & { id: string; partner: string }): StandInConsent;
  close(): Promise<void>;
}

export async function startRegistryStandIn(token = 'test-consent-authorisation-token'): Promise<RegistryStandIn> {
  const consents = new Map<string, StandInConsent>();
  const decisions: RegistryStandIn['decisions'] = [];
  const views: RegistryStandIn['views'] = [];
  const accountsOf = (customer: string): StandInAccount[] => (customer === 'cust-0001' ? CUST_0001_ACCOUNTS : []);

  const server: Server = createServer((req, res) => {
    const answer = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const match = /^\/internal\/consents\/([^/]+)\/authorisation$/.exec(url.pathname);
      if (!match) return answer(404, { code: 'NOT_FOUND' });
      if (req.headers.authorization !== `Bearer ${token}`) return answer(401, { code: 'UNAUTHENTICATED' });
      const id = decodeURIComponent(match[1] ?? '');
      const consent = consents.get(id);
      if (req.method === 'GET') {
        const customer = url.searchParams.get('customer');
        views.push({ id, customer });
        if (!consent) return answer(404, { code: 'CONSENT_NOT_FOUND' });
        if (consent.status !== 'AwaitingAuthorisation') return answer(409, { code: 'CONSENT_STATE_CONFLICT' });
        return answer(200, {
          consent,
          partnerName: PARTNER_NAMES[consent.partner] ?? consent.partner,
          permissions: consent.permissions.map((scope) => ({ scope, text: TEXTS[scope] ?? scope })),
          accounts: accountsOf(customer ?? ''),
        });
      }
      if (req.method !== 'POST') return answer(405, { code: 'METHOD_NOT_ALLOWED' });
      let body: { customer?: unknown; decision?: unknown; accountIds?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        return answer(400, { code: 'CONSENT_INVALID' });
      }
      if (!consent) return answer(404, { code: 'CONSENT_NOT_FOUND' });
      const customer = typeof body.customer === 'string' ? body.customer : '';
      const accountIds = Array.isArray(body.accountIds) ? body.accountIds.filter((a): a is string => typeof a === 'string') : [];
      if (body.decision !== 'approve' && body.decision !== 'decline') return answer(400, { code: 'CONSENT_INVALID' });
      if (consent.status !== 'AwaitingAuthorisation') return answer(409, { code: 'CONSENT_STATE_CONFLICT' });
      if (body.decision === 'approve') {
        const own = new Set(accountsOf(customer).map((a) => a.id));
        const requested = consent.requestedAccountIds ? new Set(consent.requestedAccountIds) : undefined;
        if (accountIds.length === 0 || !accountIds.every((a) => own.has(a) && (!requested || requested.has(a)))) {
          return answer(400, { code: 'CONSENT_INVALID' });
        }
      }
      decisions.push({ id, customer, decision: body.decision, accountIds });
      consent.status = body.decision === 'approve' ? 'Authorised' : 'Rejected';
      if (body.decision === 'approve') {
        consent.customerId = customer;
        consent.accountIds = accountIds;
      }
      return answer(200, { status: consent.status });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    consents,
    decisions,
    views,
    add(partial) {
      const consent: StandInConsent = {
        kind: 'account-access',
        status: 'AwaitingAuthorisation',
        customerId: null,
        permissions: ['accounts:basic', 'balances:read'],
        requestedAccountIds: null,
        accountIds: [],
        expiresAt: '2027-03-01T00:00:00.000Z',
        transactionFrom: null,
        transactionTo: null,
        payment: null,
        ...partial,
      };
      consents.set(consent.id, consent);
      return consent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
