import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, SignJWT, type JWK } from 'jose';
import { configFromEnv } from '../../legacy/authorisation-server/config.js';
import { listenAuthorisationServer } from '../../legacy/authorisation-server/server.js';
import { startRegistryStandIn, type RegistryStandIn } from './registry-stand-in.js';

/** The sandbox partners' private keys: public on purpose, what the README walkthrough signs with too. */
export const SANDBOX_PARTNER_KEYS = JSON.parse(readFileSync(new URL('../../schema/sandbox-partner-keys.json', import.meta.url), 'utf8')) as Record<
  string,
  { keys: JWK[] }
>;

export function partnerKey(clientId: string): JWK {
  const key = SANDBOX_PARTNER_KEYS[clientId]?.keys[0];
  if (!key) throw new Error(`no sandbox key for ${clientId}`);
  return key;
}

export interface TestAS {
  readonly url: string;
  readonly issuer: string;
  readonly registry: RegistryStandIn;
  close(): Promise<void>;
}

/** The authorisation server on port 0 (sandbox configuration), in front of the registry stand-in. */
export async function startAS(options: { registryToken?: string } = {}): Promise<TestAS> {
  const registry = await startRegistryStandIn();
  const config = configFromEnv({ CONSENTS_URL: registry.url, CONSENT_AUTHORISATION_TOKEN: options.registryToken ?? registry.token });
  const as = await listenAuthorisationServer({ ...config, issuer: undefined }, 0, '127.0.0.1');
  return {
    url: as.url,
    issuer: as.provider.issuer,
    registry,
    close: async () => {
      await as.close();
      await registry.close();
    },
  };
}

/** A private_key_jwt client assertion (RFC 7523) signed with `key`. */
export async function clientAssertion(clientId: string, key: JWK, audience: string, jti: string = randomUUID()): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: key.alg ?? 'ES256', kid: key.kid })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(jti)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(await importJWK(key, key.alg ?? 'ES256'));
}

export async function tokenRequest(as: TestAS, params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${as.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function clientCredentials(as: TestAS, clientId: string, scope: string, key: JWK = partnerKey(clientId)) {
  return tokenRequest(as, {
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await clientAssertion(clientId, key, as.issuer),
  });
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A browser's cookies by name (enough here: the server's cookie names are distinct). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface Page {
  readonly status: number;
  readonly url: string;
  readonly html: string;
  /** Set when the journey left the server: the partner's redirect URI with its query. */
  readonly redirect?: URL;
}

/**
 * Follows the server's redirects by hand (as a browser would, with its cookies) until a page is shown or the
 * journey is sent back to the partner (`redirectPrefix`).
 */
export async function browse(base: string, jar: CookieJar, first: string, redirectPrefix: string, init?: { method: string; form: URLSearchParams }): Promise<Page> {
  let url = new URL(first, base).href;
  let request: RequestInit = init
    ? { method: init.method, body: init.form, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() } }
    : { method: 'GET', headers: { cookie: jar.header() } };
  for (let hops = 0; hops < 10; hops++) {
    const res = await fetch(url, { ...request, redirect: 'manual' });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url);
      if (next.href.startsWith(redirectPrefix)) return { status: res.status, url, html: await res.text(), redirect: next };
      url = next.href;
      request = { method: 'GET', headers: { cookie: jar.header() } };
      continue;
    }
    return { status: res.status, url, html: await res.text() };
  }
  throw new Error('too many redirects');
}

export function formAction(html: string): string {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form in page: ${html.slice(0, 500)}`);
  return action.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

export const BUDGET_REDIRECT = 'https://budget-app.example/callback';

export function authorisationUrl(as: TestAS, params: { clientId?: string; consentId?: string; challenge: string; scope?: string; state?: string; redirectUri?: string }): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: params.clientId ?? 'budget-app',
    redirect_uri: params.redirectUri ?? BUDGET_REDIRECT,
    scope: params.scope ?? 'openid accounts',
    state: params.state ?? randomUUID(),
    code_challenge: params.challenge,
    code_challenge_method: 'S256',
  });
  if (params.consentId) q.set('openbanking_intent_id', params.consentId);
  return `${as.url}/auth?${q}`;
}

/** Logs cust-0001 in: from the authorisation request to the page after the login (the approval page, or a refusal). */
export async function loginAndReachApproval(as: TestAS, jar: CookieJar, authUrl: string, redirectPrefix = BUDGET_REDIRECT): Promise<Page> {
  const login = await browse(as.url, jar, authUrl, redirectPrefix);
  if (login.redirect) return login;
  const form = new URLSearchParams({ customer: 'cust-0001', password: 'sandbox-password-0001' });
  return browse(as.url, jar, formAction(login.html), redirectPrefix, { method: 'POST', form });
}
