import { createHash } from 'node:crypto';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CoreBankingConnector } from '../../../connectors/core-banking/index.js';
import { ConsentStore, type ConsentRecord, type PartnerRegistry } from '../../../lib/consents.js';
import { BankError, ErrorCode, UpstreamError } from '../../../lib/errors.js';
import { readBody, sendJson } from '../../../lib/http.js';
import type { Logger } from '../../../lib/log.js';
import { describePrincipal } from '../../../lib/principal.js';
import { SCOPES } from '../../../lib/scopes.js';
import type { Account } from '../../../lib/domain.js';
import type { SignedRequest, SubgraphRoute } from '../../../lib/subgraph-server.js';
import {
  AISP_CONSENTS,
  ObInputError,
  OB_BASE,
  PISP_CONSENTS,
  accountAccessBody,
  parseAccountAccessRequest,
  parsePaymentRequest,
  paymentBody,
  sendObError,
  statusOf,
} from './ob.js';

/**
 * The consent registry's HTTP routes on the journeys subgraph (issue 13):
 *  - the partner-facing OB v4 routes under /open-banking/v4.0/ (the gateway verifies the partner's token and forwards
 *    with the signed context);
 *  - POST /internal/consents/{id}/access, the gateway's call on every consent-bound partner request (signed context);
 *  - GET/POST /internal/consents/{id}/authorisation, the authorisation server's (CONSENT_AUTHORISATION_TOKEN).
 */

export interface ConsentRouteDeps {
  readonly consents: ConsentStore;
  readonly partners: PartnerRegistry;
  readonly coreBanking: CoreBankingConnector;
  /** The bearer token the authorisation server sends (lib/config.ts consentAuthorisationToken). */
  readonly authorisationToken: string;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export const ACCESS_PATH = /^\/internal\/consents\/([^/]+)\/access$/;
export const AUTHORISATION_PATH = /^\/internal\/consents\/([^/]+)\/authorisation$/;
const AISP_ONE = new RegExp(`^${AISP_CONSENTS}/([^/]+)$`);
const PISP_ONE = new RegExp(`^${PISP_CONSENTS}/([^/]+)$`);
/** Consent ids as we hand them out (and the sandbox seeds'); anything else is unknown without a store read. */
const CONSENT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const MAX_AUTHORISATION_BODY = 16 * 1024;

/** A path segment decoded; '' (an id nobody has) when it is not valid percent-encoding. */
function segment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return '';
  }
}

export function consentRoutes(deps: ConsentRouteDeps): SubgraphRoute[] {
  const now = deps.now ?? (() => new Date());
  const refuse = (res: ServerResponse, status: number, code: ErrorCode, message: string) => sendObError(res, status, code, message);
  return [
    // Before the signed /internal/consents/ prefix: the authorisation server authenticates with its own token.
    { path: AUTHORISATION_PATH, signed: false, handle: (req, res) => authorisation(deps, req, res) },
    { path: '/internal/consents/', signed: true, handle: (request, res) => access(deps, request, res), refuse: (res, status, code, message) => sendJson(res, status, { error: { code, message } }) },
    { path: `${OB_BASE}/`, signed: true, handle: (request, res) => openBanking(deps, now, request, res), refuse },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Partner-facing: /open-banking/v4.0/...

async function openBanking(deps: ConsentRouteDeps, now: () => Date, { req, url, context, body }: SignedRequest, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const p = context.principal;
  try {
    if (p.kind !== 'partner') throw new BankError(ErrorCode.FORBIDDEN, 'Only a registered partner can use the open-banking routes.');
    const partner = deps.partners.get(p.clientId);
    if (!partner) throw new BankError(ErrorCode.FORBIDDEN, `The partner "${p.clientId}" is not registered with this bank.`);
    const who = describePrincipal(p);
    const path = url.pathname.replace(/\/+$/, '');

    if (path === AISP_CONSENTS || path === PISP_CONSENTS) {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      const payment = path === PISP_CONSENTS;
      const input = payment ? parsePaymentRequest(body, partner.clientId, now()) : parseAccountAccessRequest(body, partner.clientId, now());
      const missing = (input.permissions ?? []).filter((s) => !partner.scopes.includes(s));
      if (missing.length > 0) {
        throw new ObInputError(ErrorCode.CONSENT_SCOPE_NOT_GRANTED, `This partner was not granted ${missing.join(', ')}.`, payment ? undefined : 'Data.Permissions');
      }
      const record = await deps.consents.request(input, who, idempotencyOf(req.headers['x-idempotency-key'], body));
      res.setHeader('location', `${path}/${record.id}`);
      return sendJson(res, 201, payment ? paymentBody(record) : accountAccessBody(record));
    }

    const one = AISP_ONE.exec(path) ?? PISP_ONE.exec(path);
    if (!one) return sendObError(res, 404, ErrorCode.NOT_FOUND, `There is no route ${method} ${url.pathname}.`);
    const payment = path.startsWith(PISP_CONSENTS);
    const id = segment(one[1]!);
    // Unknown, tampered, another partner's or of the other kind: one answer, so nobody learns which ids exist.
    const record = CONSENT_ID.test(id) ? await deps.consents.get(id) : null;
    if (!record || record.partner !== partner.clientId || (record.kind === 'payment') !== payment) {
      throw new ObInputError(ErrorCode.CONSENT_NOT_FOUND, 'There is no such consent of yours.');
    }
    if (method === 'GET') return sendJson(res, 200, payment ? paymentBody(record) : accountAccessBody(record));
    if (method === 'DELETE' && !payment) {
      await deps.consents.withdraw(record.id, who);
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
      return;
    }
    return methodNotAllowed(res, payment ? 'GET' : 'GET, DELETE');
  } catch (err) {
    answerError(deps, res, err);
  }
}

/**
 * OB's `x-idempotency-key` (up to 40 characters): a retried POST with the same key and body gets the consent the
 * first made; another body with the key is refused (lib/consents.ts, request). Absent: each POST is a new consent.
 */
function idempotencyOf(header: string | string[] | undefined, body: unknown): { key: string; fingerprint: string } | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !/^[\x21-\x7e]{1,40}$/.test(key)) {
    throw new ObInputError(ErrorCode.BAD_REQUEST, 'x-idempotency-key must be 1 to 40 printable characters without spaces.');
  }
  return { key, fingerprint: createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex') };
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  sendObError(res, 405, ErrorCode.BAD_REQUEST, `Use ${allow} here.`);
}

/** Our refusals as OB error bodies; a legacy failure as its 5xx; anything else rethrown (500, logged). */
function answerError(deps: ConsentRouteDeps, res: ServerResponse, err: unknown): void {
  if (err instanceof ObInputError) return sendObError(res, statusOf(err.code), err.code, err.message, err.path);
  if (err instanceof UpstreamError) {
    deps.logger.warn({ err, service: err.system }, 'a legacy call of a consent route failed');
    return sendObError(res, err.code === ErrorCode.UPSTREAM_TIMEOUT ? 504 : 503, err.code, `${err.system} is unavailable; try again.`);
  }
  if (err instanceof BankError) return sendObError(res, statusOf(err.code), err.code, err.message);
  throw err;
}

// ---------------------------------------------------------------------------------------------------------------
// The gateway's access check: POST /internal/consents/{id}/access

async function access(deps: ConsentRouteDeps, { req, url, context, body }: SignedRequest, res: ServerResponse): Promise<void> {
  const refuse = (status: number, code: ErrorCode, message: string) => sendJson(res, status, { error: { code, message } });
  const match = ACCESS_PATH.exec(url.pathname);
  if (!match) return refuse(404, ErrorCode.NOT_FOUND, `There is no route ${req.method} ${url.pathname}.`);
  if ((req.method ?? '').toUpperCase() !== 'POST') {
    res.setHeader('allow', 'POST');
    return refuse(405, ErrorCode.BAD_REQUEST, 'Use POST here.');
  }
  const p = context.principal;
  if (p.kind !== 'partner') return refuse(403, ErrorCode.FORBIDDEN, "The access check is made for a partner's request.");
  const present = (body as { customerPresent?: unknown } | undefined)?.customerPresent;
  if (typeof present !== 'boolean') return refuse(400, ErrorCode.CONSENT_INVALID, 'The body must be {"customerPresent": true|false}.');
  const id = segment(match[1]!);
  const answer = CONSENT_ID.test(id) ? await deps.consents.recordAccess(id, p.clientId, present) : { standing: 'missing' as const, consent: null, accessesToday: 0 };
  sendJson(res, 200, answer);
}

// ---------------------------------------------------------------------------------------------------------------
// The authorisation server's: GET/POST /internal/consents/{id}/authorisation

async function authorisation(deps: ConsentRouteDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://journeys');
  const refuse = (status: number, code: ErrorCode, message: string) => sendJson(res, status, { error: { code, message } });
  if (!sameToken(req.headers.authorization, deps.authorisationToken)) {
    res.setHeader('www-authenticate', 'Bearer');
    return refuse(401, ErrorCode.UNAUTHENTICATED, 'The authorisation server authenticates with its bearer token (CONSENT_AUTHORISATION_TOKEN).');
  }
  const method = (req.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'POST') {
    res.setHeader('allow', 'GET, POST');
    return refuse(405, ErrorCode.BAD_REQUEST, 'Use GET or POST here.');
  }
  const id = segment(AUTHORISATION_PATH.exec(url.pathname)![1]!);
  try {
    let customer: unknown;
    let decision: unknown;
    let chosen: unknown;
    if (method === 'GET') {
      customer = url.searchParams.get('customer');
    } else {
      const read = await readBody(req, MAX_AUTHORISATION_BODY);
      if (read.kind === 'too-large') {
        if (!read.drained) res.setHeader('connection', 'close');
        return refuse(413, ErrorCode.BAD_REQUEST, `The body is at most ${MAX_AUTHORISATION_BODY} bytes.`);
      }
      let body: { customer?: unknown; decision?: unknown; accountIds?: unknown };
      try {
        body = JSON.parse(read.text) as typeof body;
      } catch {
        return refuse(400, ErrorCode.BAD_REQUEST, 'The body must be JSON.');
      }
      if (typeof body !== 'object' || body === null) return refuse(400, ErrorCode.CONSENT_INVALID, 'The body must be a JSON object.');
      ({ customer, decision, accountIds: chosen } = body);
    }
    if (typeof customer !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(customer)) {
      return refuse(400, ErrorCode.CONSENT_INVALID, 'Name the signed-in customer: `customer` (a customer id).');
    }
    const record = CONSENT_ID.test(id) ? await deps.consents.get(id) : null;
    if (!record) return refuse(404, ErrorCode.CONSENT_NOT_FOUND, 'There is no such consent.');
    if (record.status !== 'AwaitingAuthorisation') {
      return refuse(409, ErrorCode.CONSENT_STATE_CONFLICT, `The consent is ${record.status}: only a consent awaiting authorisation can be authorised.`);
    }
    const accounts = eligibleAccounts(record, (await deps.coreBanking.getAccountsOfCustomers([customer]))[0] ?? []);

    if (method === 'GET') {
      return sendJson(res, 200, {
        consent: record,
        partnerName: deps.partners.get(record.partner)?.name ?? record.partner,
        permissions: record.permissions.map((scope) => ({ scope, text: SCOPES[scope] })),
        accounts: accounts.map((a) => ({ id: a.id, name: a.productName, currency: a.currency, maskedNumber: `…${a.number.slice(-4)}` })),
      });
    }

    const who = `authorisation-server:${customer}`;
    if (decision === 'decline') {
      const rejected = await deps.consents.reject(record.id, who);
      return sendJson(res, 200, { status: rejected.status });
    }
    if (decision !== 'approve') return refuse(400, ErrorCode.CONSENT_INVALID, '`decision` must be "approve" or "decline".');
    if (!Array.isArray(chosen) || chosen.length === 0 || chosen.length > 100 || !chosen.every((a) => typeof a === 'string')) {
      return refuse(400, ErrorCode.CONSENT_INVALID, '`accountIds` must list the accounts the customer chose (at least one).');
    }
    const ids = [...new Set(chosen as string[])];
    const own = new Set(accounts.map((a) => a.id));
    const outside = ids.filter((a) => !own.has(a));
    if (outside.length > 0) {
      // The same answer for another customer's account, an unknown one and one outside what the partner asked for.
      return refuse(400, ErrorCode.CONSENT_INVALID, `Not an account this consent can cover for this customer: ${outside.join(', ').slice(0, 200)}.`);
    }
    if (record.kind === 'payment' && ids.length !== 1) return refuse(400, ErrorCode.CONSENT_INVALID, 'A payment consent is paid from one account: choose one.');
    const authorised = await deps.consents.authorise(record.id, customer, ids, who);
    return sendJson(res, 200, { status: authorised.status });
  } catch (err) {
    if (err instanceof UpstreamError) {
      deps.logger.warn({ err, service: err.system }, 'a legacy call of the consent authorisation failed');
      return refuse(err.code === ErrorCode.UPSTREAM_TIMEOUT ? 504 : 503, err.code, `${err.system} is unavailable; try again.`);
    }
    if (err instanceof BankError) return refuse(statusOf(err.code), err.code, err.message);
    throw err;
  }
}

/**
 * The customer's accounts this consent can cover: their active ones, within what the partner asked for (requested
 * accounts, a payment's debtor account).
 */
function eligibleAccounts(record: ConsentRecord, accounts: readonly Account[]): Account[] {
  const requested = record.requestedAccountIds ? new Set(record.requestedAccountIds) : null;
  return accounts.filter((a) => a.status === 'ACTIVE' && (requested === null || requested.has(a.id)));
}

function sameToken(header: string | undefined, token: string): boolean {
  const sent = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '', 'utf8');
  const expected = Buffer.from(token, 'utf8');
  return token.length > 0 && sent.length === expected.length && timingSafeEqual(sent, expected);
}
