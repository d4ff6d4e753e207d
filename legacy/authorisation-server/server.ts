import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import Provider, { errors, interactionPolicy, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AuthorisationServerConfig, PartnerClient } from './config.js';
import { consentRegistry, type AuthorisationView, type ConsentRegistry, type RegistryAnswer } from './consents-client.js';
import { approvalPage, errorPage, loginPage, PAGE_HEADERS } from './pages.js';

/**
 * The sandbox's stand-in for the bank's own OAuth 2.0 authorisation server (issue 13), built on oidc-provider.
 *
 *   GET  /.well-known/openid-configuration, GET /jwks   discovery and the public signing keys (oidc-provider)
 *   POST /token      client_credentials (consent creation: `accounts`, `payments`, our scope names) and
 *                    authorization_code (PKCE S256 required); client authentication private_key_jwt only, with the
 *                    partner's public keys from schema/partners.json (`jwks`); oidc-provider checks the assertion's
 *                    iss/sub = client id, aud = this issuer (or the token endpoint), exp, and refuses a replayed jti
 *   GET  /auth       the authorisation request; the consent id in `openbanking_intent_id` (OB's name; an extra
 *                    parameter, required). `scope` names our scopes, or the OB scopes `accounts` / `payments`, which
 *                    stand for "what the consent grants" (expanded to the partner's registered scopes here)
 *   GET  /interaction/:uid            the login page, then the approval page
 *   POST /interaction/:uid/login      customer id + password
 *   POST /interaction/:uid/decision   decision=approve|decline, account=<id> (repeated)
 *   GET  /health
 *
 * Access tokens are JWTs for the gateway (resource `urn:bankgraph:gateway`, aud = JWT_AUDIENCE): `client_id`,
 * `scope`, `sub` (the customer for a code, the client for client credentials), `bankgraph:kind: "partner"` and, for a
 * code, `bankgraph:consent_id`.
 *
 * Before the approval page the server asks the consent registry (consents-client.ts) for the consent; it refuses a
 * consent of another partner or one not awaiting authorisation with an error page. The customer's decision goes to
 * the registry first; only an Authorised answer lets the code be issued; a decline redirects with access_denied.
 *
 * CSRF: the login and decision forms post to /interaction/<uid>, a random id of the one interaction, and
 * oidc-provider's interactionDetails accepts them only with its `_interaction` cookie for that uid (signed with the
 * cookie keys, httpOnly, SameSite=Lax, path-scoped to the interaction): a cross-site POST carries no Lax cookie and
 * is refused. The pages have no script and may not be framed (CSP frame-ancestors 'none', X-Frame-Options DENY).
 *
 * Storage: oidc-provider's in-memory adapter (sessions, interactions, codes, grants, replay-protection of assertion
 * jtis), and the grant -> consent binding in a Map: one process, state lost on restart, enough for the sandbox.
 */

export const RESOURCE_INDICATOR = 'urn:bankgraph:gateway';
const ACCESS_TOKEN_TTL_SECONDS = 900;
/** A grant outlives its code (60 s) and the one access token of its exchange. */
const GRANT_TTL_SECONDS = ACCESS_TOKEN_TTL_SECONDS + 120;
/** OB's scopes for consent creation (client credentials); in an authorisation request, "what the consent grants". */
const OB_SCOPES = ['accounts', 'payments'] as const;

export interface AuthorisationServer {
  readonly provider: Provider;
  /** Not listening: call listen() (tests on port 0). */
  readonly server: Server;
}

export interface AuthorisationServerOptions extends Omit<AuthorisationServerConfig, 'port' | 'host'> {
  /** Defaults to the registry at consentsUrl with consentAuthorisationToken. */
  readonly registry?: ConsentRegistry;
}

/** The OB scopes a partner may ask for with client credentials: accounts with any account scope, payments with payments:initiate. */
function obScopesOf(partner: PartnerClient): string[] {
  const out: string[] = [];
  if (partner.scopes.some((s) => s !== 'payments:initiate')) out.push('accounts');
  if (partner.scopes.includes('payments:initiate')) out.push('payments');
  return out;
}

function resourceScopesOf(partner: PartnerClient): string[] {
  return [...obScopesOf(partner), ...partner.scopes];
}

/** The partner as an oidc-provider client. What it may ask for is the resource server's `scope` (getResourceServerInfo). */
function clientOf(partner: PartnerClient): ClientMetadata {
  const code = partner.redirectUris.length > 0;
  return {
    client_id: partner.clientId,
    client_name: partner.name,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [...partner.jwks.keys] },
    grant_types: code ? ['client_credentials', 'authorization_code'] : ['client_credentials'],
    response_types: code ? ['code'] : [],
    redirect_uris: [...partner.redirectUris],
    id_token_signed_response_alg: 'ES256',
  };
}

/**
 * oidc-provider's prompts, with one more login check: every authorisation request is authenticated anew, whatever
 * session the browser holds (each consent is authorised by a customer who has just logged in: the sandbox's strong
 * customer authentication). The consent interaction merges the login result, so the check holds on its resume.
 */
function interactionPolicyOf(): interactionPolicy.Prompt[] {
  const policy = interactionPolicy.base();
  policy.get('login')?.checks.add(
    new interactionPolicy.Check('consent_needs_fresh_login', 'each consent is authorised right after a login', 'login_required', (ctx) =>
      ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
    ),
  );
  return policy;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readForm(req: IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams | undefined> {
  const type = req.headers['content-type'] ?? '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  if (!type.startsWith('application/x-www-form-urlencoded')) return undefined;
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, PAGE_HEADERS);
  res.end(html);
}

/** The refusal pages of the approval step, by the registry's code (or ours). */
const REFUSALS: Record<string, { title: string; description: string }> = {
  CONSENT_NOT_FOUND: { title: 'Consent not found', description: 'The bank knows no such consent. Go back to the app that sent you and start again.' },
  CONSENT_OTHER_PARTNER: { title: 'Consent of another app', description: 'This consent was not requested by the app that sent you here, so it cannot be approved from it.' },
  CONSENT_STATE_CONFLICT: { title: 'Consent cannot be authorised', description: 'This consent is not awaiting authorisation any more (it was authorised, declined, revoked or has expired). Go back to the app and start again.' },
  CONSENT_INVALID: { title: 'Consent request not valid', description: 'The bank refused this choice. Go back to the app and start again.' },
  CONSENT_ID_MISSING: { title: 'No consent named', description: 'The request did not name a consent (openbanking_intent_id).' },
  UPSTREAM_UNAVAILABLE: { title: 'The bank cannot answer now', description: 'The consent service did not answer. Try again in a moment.' },
  SESSION_NOT_FOUND: { title: 'This page has expired', description: 'The login or approval took too long, or the page was opened outside its session. Go back to the app and start again.' },
};

function refusal(res: ServerResponse, status: number, code: string): void {
  const r = REFUSALS[code] ?? { title: 'The request was refused', description: 'Go back to the app and start again.' };
  send(res, status, errorPage({ ...r, code }));
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Builds the server, not listening (the issuer must be known: see listenAuthorisationServer for port 0). */
export function createAuthorisationServer(options: AuthorisationServerOptions): AuthorisationServer {
  const { provider, handle } = authorisationHandler(options);
  return { provider, server: createServer(handle) };
}

/**
 * Listens on `port` (0: any free port) and then builds the server, so that the default issuer can name the port
 * it got: `issuer` unset means `http://<display host>:<port>` (localhost for a loopback or wildcard bind).
 */
export async function listenAuthorisationServer(
  options: Omit<AuthorisationServerOptions, 'issuer'> & { readonly issuer?: string },
  port: number,
  host = '127.0.0.1',
): Promise<AuthorisationServer & { readonly url: string; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const displayHost = host === '0.0.0.0' || host === '::' || host === '127.0.0.1' ? 'localhost' : host;
  const issuer = options.issuer ?? `http://${displayHost}:${actual}`;
  const { provider, handle } = authorisationHandler({ ...options, issuer });
  server.on('request', handle);
  return {
    provider,
    server,
    url: `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function authorisationHandler(options: AuthorisationServerOptions): { provider: Provider; handle: RequestHandler } {
  const { partners, customers, audience } = options;
  const registry = options.registry ?? consentRegistry({ baseUrl: options.consentsUrl, token: options.consentAuthorisationToken });
  /** grant id -> consent id: which consent a code's tokens are bound to (in memory, as the grants are). */
  const consentOfGrant = new Map<string, { consentId: string; until: number }>();
  const bind = (grantId: string, consentId: string): void => {
    const now = Date.now();
    // Insertion order is time order: drop the bindings whose grants have expired (no token can ask for them).
    for (const [id, b] of consentOfGrant) {
      if (b.until > now) break;
      consentOfGrant.delete(id);
    }
    consentOfGrant.set(grantId, { consentId, until: now + GRANT_TTL_SECONDS * 1000 });
  };

  const configuration: Configuration = {
    clients: [...partners.values()].map(clientOf),
    clientAuthMethods: ['private_key_jwt'],
    clientDefaults: { id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'private_key_jwt' },
    enabledJWA: {
      clientAuthSigningAlgValues: ['ES256', 'PS256'],
      idTokenSigningAlgValues: ['ES256', 'PS256'],
    },
    jwks: { keys: [...options.signingKeys] },
    cookies: { keys: [...options.cookieKeys] },
    scopes: ['openid'],
    responseTypes: ['code'],
    extraParams: {
      // The consent being authorised: required on the authorisation request (refused there as invalid_request).
      openbanking_intent_id(ctx, value) {
        if ((ctx.oidc.route === 'authorization' || ctx.oidc.route === 'pushed_authorization_request') && !value) {
          throw new errors.InvalidRequest('openbanking_intent_id (the consent id) is required');
        }
      },
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE_INDICATOR,
        useGrantedResource: () => true,
        getResourceServerInfo(ctx, indicator, client) {
          const partner = partners.get(client.clientId);
          if (indicator !== RESOURCE_INDICATOR || !partner) throw new errors.InvalidTarget();
          const allowed = resourceScopesOf(partner);
          // A scope the partner was not granted is refused, not quietly dropped (oidc-provider would drop it and
          // issue a token without it, which a partner would only find out at the gateway).
          const asked = typeof ctx.oidc.params?.scope === 'string' ? ctx.oidc.params.scope.split(' ') : [];
          const foreign = asked.filter((s) => s !== '' && s !== 'openid' && !allowed.includes(s));
          if (foreign.length > 0) throw new errors.InvalidScope('requested scope is not granted to this partner', foreign.join(' '));
          return {
            scope: allowed.join(' '),
            audience,
            accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: options.signingKeys[0]?.alg === 'PS256' ? 'PS256' : 'ES256' } },
          };
        },
      },
    },
    extraTokenClaims(_ctx, token) {
      const consentId = 'grantId' in token && token.grantId ? consentOfGrant.get(token.grantId)?.consentId : undefined;
      return { 'bankgraph:kind': 'partner', ...(consentId ? { 'bankgraph:consent_id': consentId } : {}) };
    },
    // A grant is never reused: every consent is its own approval (the default would reuse the session's grant and
    // skip the approval page for the partner's next consent).
    loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    findAccount: (_ctx, sub) => (customers.has(sub) ? { accountId: sub, claims: () => ({ sub }) } : undefined),
    interactions: { policy: interactionPolicyOf(), url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      ClientCredentials: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      IdToken: ACCESS_TOKEN_TTL_SECONDS,
      Interaction: 600,
      // Every consent needs a fresh login anyway (interactionPolicyOf): the session only spans one authorisation.
      Session: 600,
      Grant: GRANT_TTL_SECONDS,
    },
    renderError(ctx: KoaContextWithOIDC, out) {
      ctx.type = 'html';
      ctx.set(PAGE_HEADERS);
      ctx.body = errorPage({ title: 'The request was refused', code: out.error, description: out.error_description ?? '' });
    },
  };

  const provider = new Provider(options.issuer, configuration);
  provider.on('server_error', (_ctx, err) => console.error(`authorisation-server: server error: ${err.name}: ${err.message}`));

  // `accounts` / `payments` in an authorisation request stand for what the consent grants: add the partner's
  // registered scopes, so the approval (which grants the consent's permissions of those) can fill the code's scope.
  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth' && ctx.method === 'GET') {
      const query = new URLSearchParams(ctx.querystring);
      const partner = partners.get(query.get('client_id') ?? '');
      const scope = query.get('scope');
      if (partner && scope) {
        const asked = new Set(scope.split(' ').filter((s) => s !== ''));
        if (OB_SCOPES.some((s) => asked.has(s))) {
          for (const s of partner.scopes) asked.add(s);
          query.set('scope', [...asked].join(' '));
          ctx.querystring = query.toString();
        }
      }
    }
    await next();
  });

  const oidc = provider.callback();

  async function showConsent(res: ServerResponse, uid: string, clientId: string, consentId: string, customer: string, chosen?: readonly string[], error?: string): Promise<AuthorisationView | undefined> {
    const answer: RegistryAnswer<AuthorisationView> = await registry.authorisationView(consentId, customer);
    if (!answer.ok) {
      refusal(res, answer.status, answer.code);
      return undefined;
    }
    if (answer.value.consent.partner !== clientId) {
      refusal(res, 403, 'CONSENT_OTHER_PARTNER');
      return undefined;
    }
    if (answer.value.consent.status !== 'AwaitingAuthorisation') {
      refusal(res, 409, 'CONSENT_STATE_CONFLICT');
      return undefined;
    }
    send(
      res,
      error ? 400 : 200,
      approvalPage({
        action: `/interaction/${uid}/decision`,
        view: answer.value,
        customerName: customers.get(customer)?.name ?? customer,
        ...(chosen ? { chosen } : {}),
        ...(error ? { error } : {}),
      }),
    );
    return answer.value;
  }

  async function interaction(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|decision))?$/.exec(path);
    if (!match) return refusal(res, 404, 'NOT_FOUND');
    const [, uid = '', step] = match;
    const expected = step ? 'POST' : 'GET';
    if (req.method !== expected) {
      res.setHeader('allow', expected);
      return refusal(res, 405, 'METHOD_NOT_ALLOWED');
    }
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      return refusal(res, 400, 'SESSION_NOT_FOUND');
    }
    if (details.uid !== uid) return refusal(res, 400, 'SESSION_NOT_FOUND');
    const clientId = String(details.params.client_id ?? '');
    const partner = partners.get(clientId);
    if (!partner) return refusal(res, 400, 'SESSION_NOT_FOUND');
    const consentId = typeof details.params.openbanking_intent_id === 'string' ? details.params.openbanking_intent_id : '';
    const prompt = details.prompt.name;

    if (prompt === 'login') {
      const action = `/interaction/${uid}/login`;
      const sandboxHint = options.sandboxCustomers;
      if (!step) return send(res, 200, loginPage({ action, partnerName: partner.name, sandboxHint }));
      if (step !== 'login') return refusal(res, 400, 'SESSION_NOT_FOUND');
      const form = await readForm(req);
      const customer = form?.get('customer')?.trim() ?? '';
      const password = form?.get('password') ?? '';
      const known = customers.get(customer);
      if (!known || !safeEqual(password, known.password)) {
        return send(res, 401, loginPage({ action, partnerName: partner.name, customer, sandboxHint, error: 'That customer id and password do not match.' }));
      }
      return provider.interactionFinished(req, res, { login: { accountId: customer } }, { mergeWithLastSubmission: false });
    }

    if (prompt !== 'consent') return refusal(res, 400, 'SESSION_NOT_FOUND');
    const customer = details.session?.accountId;
    if (!customer) return refusal(res, 400, 'SESSION_NOT_FOUND');
    if (!consentId) return refusal(res, 400, 'CONSENT_ID_MISSING');
    if (!step) {
      await showConsent(res, uid, clientId, consentId, customer);
      return;
    }
    if (step !== 'decision') return refusal(res, 400, 'SESSION_NOT_FOUND');
    const form = await readForm(req);
    const decision = form?.get('decision');
    const accountIds = [...new Set(form?.getAll('account') ?? [])];

    if (decision === 'decline') {
      // Only a consent of this very client, still awaiting: otherwise anyone could start an authorisation as one
      // partner and decline another partner's consent (its id travels in browsers' URLs, it is no secret).
      const view = await registry.authorisationView(consentId, customer);
      if (!view.ok) return refusal(res, view.status, view.code);
      if (view.value.consent.partner !== clientId) return refusal(res, 403, 'CONSENT_OTHER_PARTNER');
      if (view.value.consent.status !== 'AwaitingAuthorisation') return refusal(res, 409, 'CONSENT_STATE_CONFLICT');
      // The customer said no: tell the bank, and the partner (access_denied) whatever the bank answered: a consent
      // left awaiting authorisation expires on its own.
      await registry.decide(consentId, customer, 'decline', []);
      return provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The customer declined the consent.' },
        { mergeWithLastSubmission: false },
      );
    }
    if (decision !== 'approve') return refusal(res, 400, 'CONSENT_INVALID');

    // Read the consent again: the page may be stale (revoked or decided in another tab since).
    const view = await registry.authorisationView(consentId, customer);
    if (!view.ok) return refusal(res, view.status, view.code);
    if (view.value.consent.partner !== clientId) return refusal(res, 403, 'CONSENT_OTHER_PARTNER');
    if (view.value.consent.status !== 'AwaitingAuthorisation') return refusal(res, 409, 'CONSENT_STATE_CONFLICT');
    if (accountIds.length === 0) {
      await showConsent(res, uid, clientId, consentId, customer, [], 'Choose at least one account.');
      return;
    }
    // What the tokens may carry: the consent's permissions the partner was granted, of those it asked for. None of
    // them (e.g. scope=openid alone): the partner's request cannot be served, and the consent is left as it was.
    const granted = new Set(view.value.consent.permissions.filter((p) => partner.scopes.includes(p)));
    const requested = new Set(String(details.params.scope ?? '').split(' ').filter((s) => s !== ''));
    const accept = [...requested].filter((s) => granted.has(s));
    const reject = [...requested].filter((s) => s !== 'openid' && !granted.has(s));
    if (accept.length === 0) {
      return provider.interactionFinished(
        req,
        res,
        { error: 'invalid_scope', error_description: "the request's scope names none of the consent's permissions (ask for accounts, payments or them)" },
        { mergeWithLastSubmission: false },
      );
    }
    const decided = await registry.decide(consentId, customer, 'approve', accountIds);
    if (!decided.ok) {
      if (decided.code === 'CONSENT_INVALID') {
        await showConsent(res, uid, clientId, consentId, customer, accountIds, 'The bank refused that choice of accounts. Choose again.');
        return;
      }
      return refusal(res, decided.status, decided.code);
    }
    if (decided.value.status !== 'Authorised') return refusal(res, 409, 'CONSENT_STATE_CONFLICT');

    const grant = new provider.Grant({ accountId: customer, clientId });
    if (requested.has('openid')) grant.addOIDCScope('openid');
    if (accept.length > 0) grant.addResourceScope(RESOURCE_INDICATOR, accept.join(' '));
    if (reject.length > 0) grant.rejectResourceScope(RESOURCE_INDICATOR, reject.join(' '));
    const grantId = await grant.save();
    bind(grantId, consentId);
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  const handle: RequestHandler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    if (path.startsWith('/interaction/')) {
      interaction(req, res, path).catch((err: unknown) => {
        console.error(`authorisation-server: interaction failed: ${(err as Error).name}: ${(err as Error).message}`);
        if (!res.headersSent) refusal(res, 500, 'INTERNAL');
        else res.end();
      });
      return;
    }
    void oidc(req, res);
  };
  return { provider, handle };
}
