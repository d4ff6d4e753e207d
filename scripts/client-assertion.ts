import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { importJWK, SignJWT, type JWK } from 'jose';

/**
 * Prints a private_key_jwt client assertion (RFC 7523) for the sandbox authorisation server on its last line,
 * signed with a sandbox partner's published private key (schema/sandbox-partner-keys.json) or a key of one's own:
 *   ASSERTION=$(npm run -s client-assertion -- budget-app | tail -n 1)
 * Each assertion has a new jti and lives 60 s: the server refuses one used twice.
 */

const HELP = `Usage: npm run -s client-assertion -- <client-id> [--audience <issuer>] [--key <private-jwk.json>]

Prints a client assertion (a JWT: iss = sub = client id, aud = the authorisation server's issuer, a fresh jti,
60 s) for client_assertion with client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer.

  <client-id>            budget-app or payroll-app (their sandbox keys), or any client with --key
  --audience <issuer>    the issuer (default AUTHORISATION_SERVER_ISSUER, else http://localhost:4110)
  --key <file>           a private JWK (or a JWKS: its first key) instead of the sandbox key`;

const SANDBOX_KEYS = new URL('../schema/sandbox-partner-keys.json', import.meta.url);

function firstKey(raw: unknown): JWK | undefined {
  const value = raw as (JWK & { keys?: JWK[] }) | null;
  return value?.keys ? value.keys[0] : value ?? undefined;
}

async function clientAssertion(clientId: string, options: { audience?: string; keyFile?: string } = {}): Promise<string> {
  const key = options.keyFile
    ? firstKey(JSON.parse(readFileSync(options.keyFile, 'utf8')))
    : firstKey((JSON.parse(readFileSync(SANDBOX_KEYS, 'utf8')) as Record<string, unknown>)[clientId]);
  if (!key?.d) throw new Error(options.keyFile ? `${options.keyFile} holds no private JWK` : `no sandbox key for "${clientId}" (budget-app, payroll-app); pass --key`);
  const alg = key.alg ?? 'ES256';
  return new SignJWT({})
    .setProtectedHeader({ alg, ...(key.kid ? { kid: key.kid } : {}) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(options.audience ?? (process.env.AUTHORISATION_SERVER_ISSUER || 'http://localhost:4110'))
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(await importJWK(key, alg));
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { audience: { type: 'string' }, key: { type: 'string' }, help: { type: 'boolean' } },
});
if (values.help || positionals.length !== 1) {
  console.log(HELP);
  process.exit(values.help ? 0 : 2);
}
try {
  console.log(await clientAssertion(positionals[0] ?? '', { ...(values.audience ? { audience: values.audience } : {}), ...(values.key ? { keyFile: values.key } : {}) }));
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
