import { timingSafeEqual } from 'node:crypto';
import { Simulator, type SimRequest, type SimResponse } from '../http.js';
import { batchRoutes } from './batches.js';
import { buildSandbox } from './data.js';
import { API_PREFIX, errorItem, errorResponse, routeNotFound, serverError } from './dialect.js';
import { RouteTable, type Handler } from './router.js';
import { clientRoutes } from './routes-clients.js';
import { savingsRoutes } from './routes-savings.js';
import { transactionRoutes } from './routes-transactions.js';

/**
 * The core banking simulator: a small Apache Fineract (clients, savings accounts, savings transactions, batches)
 * under /fineract-provider/api/v1, with the sandbox data of legacy/SANDBOX.md. Builds, does not listen.
 */

export const SANDBOX_TENANT = 'default';
export const SANDBOX_USER = 'mifos';
export const SANDBOX_PASSWORD = 'password';

export interface CoreBankingSimulatorOptions {
  /** The system clock, for the dates the system stamps itself (submitted-on dates). */
  readonly now?: () => Date;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function unauthenticated(developerMessage: string): SimResponse {
  return {
    ...errorResponse(401, 'error.msg.not.authenticated', 'Unauthenticated. Please login.', [], developerMessage),
    headers: { 'www-authenticate': 'Basic realm="Fineract Platform API"' },
  };
}

/** Fineract's guard: a tenant (header, or tenantIdentifier in the query) and HTTP Basic credentials. */
function authenticate(req: SimRequest): SimResponse | undefined {
  const header = req.headers['fineract-platform-tenantid'];
  const tenant = (Array.isArray(header) ? header[0] : header) ?? req.query.get('tenantIdentifier');
  if (!tenant) {
    const message =
      "No tenant identifier found: Add request header of 'Fineract-Platform-TenantId' or add the parameter 'tenantIdentifier' to query string of request URL.";
    return errorResponse(400, 'error.msg.tenant.identifier.missing', message, [errorItem('error.msg.tenant.identifier.missing', message, 'Fineract-Platform-TenantId')]);
  }
  if (tenant !== SANDBOX_TENANT) {
    const message = `The tenant identifier '${tenant}' is not valid.`;
    return errorResponse(401, 'error.msg.invalid.tenant.identifier', message, [errorItem('error.msg.invalid.tenant.identifier', message, 'Fineract-Platform-TenantId')]);
  }
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) return unauthenticated('Full authentication is required to access this resource.');
  const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  // Both compared, whatever the first gives, so the answer time does not tell which one was wrong.
  const userOk = sameText(user, SANDBOX_USER);
  const passwordOk = sameText(password, SANDBOX_PASSWORD);
  if (!userOk || !passwordOk) return unauthenticated('Invalid authentication details were passed in api request.');
  return undefined;
}

function withAuth(handler: Handler): Handler {
  return (req) => authenticate(req) ?? handler(req);
}

export function createCoreBankingSimulator(options: CoreBankingSimulatorOptions = {}): Simulator {
  const context = { store: buildSandbox(), now: options.now ?? (() => new Date()) };
  const sim = new Simulator({ system: 'core-banking', serverError, notFound: routeNotFound });
  const routes = new RouteTable();
  clientRoutes(routes, context);
  transactionRoutes(routes, context);
  savingsRoutes(routes, context);
  // Sub-request faults name the route as /__stats does: "GET /fineract-provider/api/v1/clients/:clientId".
  batchRoutes(routes, { subRequestFails: (pattern) => sim.subRequestFails(`GET ${API_PREFIX}${pattern}`) });

  for (const route of routes.list()) {
    sim.route(route.method, `${API_PREFIX}${route.pattern}`, withAuth(route.handler));
  }
  return sim;
}
