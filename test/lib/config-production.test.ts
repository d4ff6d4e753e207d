import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { SANDBOX_SECRETS, authConfig, contextPublicKeys, inboundConfig, legacyCredentials } from '../../lib/config.js';
import { parseSigningKey, publicKeyOf } from '../../lib/context-keys.js';

const STRONG = 'x'.repeat(40);
/** A context key of the bank's own, as a PKCS8 PEM, and its public half as the subgraphs' JWKS. */
const OWN_KEY = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const OWN_PUBLIC_KEYS = JSON.stringify({ keys: [publicKeyOf(parseSigningKey(OWN_KEY, 'bank-1'))] });
/** The published sandbox key in another dress: the same key as a PEM. */
const SANDBOX_AS_PEM = createPrivateKey({ key: JSON.parse(SANDBOX_SECRETS.internalContextPrivateKey), format: 'jwk' })
  .export({ format: 'pem', type: 'pkcs8' })
  .toString();
const SANDBOX_PUBLIC_KEYS = JSON.stringify(contextPublicKeys({}));

describe('production refuses the published sandbox secrets', () => {
  it('names every offending auth variable in one error: a sandbox value, a symmetric key under 32 bytes, the sandbox context key', () => {
    const env = { NODE_ENV: 'production', JWT_SECRET: SANDBOX_SECRETS.jwt, INTERNAL_CONTEXT_PRIVATE_KEY: SANDBOX_SECRETS.internalContextPrivateKey };
    expect(() => authConfig(env)).toThrow(/JWT_SECRET is a published sandbox value; INTERNAL_CONTEXT_PRIVATE_KEY is the published sandbox key/);
    expect(() => authConfig({ ...env, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET is shorter than 32 bytes; INTERNAL_CONTEXT_PRIVATE_KEY is the published sandbox key/);
    expect(() => authConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET is not set; INTERNAL_CONTEXT_PRIVATE_KEY is not set/);
    const own = authConfig({ NODE_ENV: 'production', JWT_SECRET: STRONG, INTERNAL_CONTEXT_PRIVATE_KEY: OWN_KEY, INTERNAL_CONTEXT_KEY_ID: 'bank-1' });
    expect(own.jwtSecret).toBe(STRONG);
    expect(own.internalContextKey).toMatchObject({ kid: 'bank-1', alg: 'EdDSA' });
  });

  it('refuses the sandbox context key in any form: as a PEM, or under a kid of its own', () => {
    const env = { NODE_ENV: 'production', JWT_SECRET: STRONG, INTERNAL_CONTEXT_KEY_ID: 'bank-1' };
    expect(() => authConfig({ ...env, INTERNAL_CONTEXT_PRIVATE_KEY: SANDBOX_AS_PEM })).toThrow(/INTERNAL_CONTEXT_PRIVATE_KEY is the published sandbox key/);
    const renamed = JSON.stringify({ ...JSON.parse(SANDBOX_SECRETS.internalContextPrivateKey), kid: 'bank-1' });
    expect(() => authConfig({ ...env, INTERNAL_CONTEXT_PRIVATE_KEY: renamed })).toThrow(/INTERNAL_CONTEXT_PRIVATE_KEY is the published sandbox key/);
  });

  it("refuses subgraphs' public keys unset or holding the sandbox key (anyone can sign with its private half)", () => {
    expect(() => contextPublicKeys({ NODE_ENV: 'production' })).toThrow(/INTERNAL_CONTEXT_PUBLIC_KEYS is not set/);
    expect(() => contextPublicKeys({ NODE_ENV: 'production', INTERNAL_CONTEXT_PUBLIC_KEYS: SANDBOX_PUBLIC_KEYS })).toThrow(
      /INTERNAL_CONTEXT_PUBLIC_KEYS holds the published sandbox key/,
    );
    const both = JSON.stringify({ keys: [...JSON.parse(OWN_PUBLIC_KEYS).keys, ...JSON.parse(SANDBOX_PUBLIC_KEYS).keys] });
    expect(() => contextPublicKeys({ NODE_ENV: 'production', INTERNAL_CONTEXT_PUBLIC_KEYS: both })).toThrow(/holds the published sandbox key/);
    expect(contextPublicKeys({ NODE_ENV: 'production', INTERNAL_CONTEXT_PUBLIC_KEYS: OWN_PUBLIC_KEYS }).keys.map((k) => k.kid)).toEqual(['bank-1']);
  });

  it('stops a subgraph that has the private key in its environment, and a malformed key, in production or not', () => {
    for (const NODE_ENV of ['production', 'development']) {
      expect(() => contextPublicKeys({ NODE_ENV, INTERNAL_CONTEXT_PUBLIC_KEYS: OWN_PUBLIC_KEYS, INTERNAL_CONTEXT_PRIVATE_KEY: OWN_KEY })).toThrow(
        /INTERNAL_CONTEXT_PRIVATE_KEY is in a subgraph's environment/,
      );
      expect(() => authConfig({ NODE_ENV, JWT_SECRET: STRONG, INTERNAL_CONTEXT_PRIVATE_KEY: 'not-a-key' })).toThrow(/^INTERNAL_CONTEXT_PRIVATE_KEY is neither a PEM key nor JSON/);
      expect(() => contextPublicKeys({ NODE_ENV, INTERNAL_CONTEXT_PUBLIC_KEYS: '{"keys":[{"kty":"OKP"}]}' })).toThrow(/^INTERNAL_CONTEXT_PUBLIC_KEYS key 0 has no "kid"/);
    }
  });

  it('names every offending legacy credential in one error', () => {
    const env = {
      NODE_ENV: 'production',
      KYC_API_TOKEN: SANDBOX_SECRETS.kycApiToken,
      // The webhook token is the journeys' alone (inboundConfig, below): no other process needs it or refuses it.
      KYC_WEBHOOK_TOKEN: SANDBOX_SECRETS.kycWebhookToken,
      CORE_BANKING_USER: 'bank-user',
      CORE_BANKING_PASSWORD: SANDBOX_SECRETS.coreBankingPassword,
    };
    expect(() => legacyCredentials(env)).toThrow(/production: KYC_API_TOKEN is a published sandbox value; CORE_BANKING_PASSWORD is a published sandbox value; CARD_PROCESSOR/);
    // The card processor's Marqeta tokens follow the same rules as every other legacy credential.
    expect(() =>
      legacyCredentials({
        ...env,
        CARD_PROCESSOR_APPLICATION_TOKEN: SANDBOX_SECRETS.cardProcessorApplicationToken,
        CARD_PROCESSOR_ACCESS_TOKEN: SANDBOX_SECRETS.cardProcessorAccessToken,
      }),
    ).toThrow(/CARD_PROCESSOR_APPLICATION_TOKEN is a published sandbox value; CARD_PROCESSOR_ACCESS_TOKEN is a published sandbox value/);
    // So does the bank's own risk-scoring system's API key: missing or the published one, it stops the start.
    expect(() => legacyCredentials({ ...env, RISK_SCORING_API_KEY: SANDBOX_SECRETS.riskScoringApiKey })).toThrow(/RISK_SCORING_API_KEY is a published sandbox value/);
    expect(() => legacyCredentials(env)).toThrow(/RISK_SCORING_API_KEY is not set/);
  });

  it("refuses the inbound routes' sandbox tokens (the rail's reports, the KYC webhooks), unset or published, and a short rail token", () => {
    expect(() => inboundConfig({ NODE_ENV: 'production' })).toThrow(/PAYMENT_RAIL_STATUS_REPORT_TOKEN is not set; KYC_WEBHOOK_TOKEN is not set/);
    expect(() =>
      inboundConfig({ NODE_ENV: 'production', PAYMENT_RAIL_STATUS_REPORT_TOKEN: SANDBOX_SECRETS.paymentRailReportToken, KYC_WEBHOOK_TOKEN: SANDBOX_SECRETS.kycWebhookToken }),
    ).toThrow(/PAYMENT_RAIL_STATUS_REPORT_TOKEN is a published sandbox value; KYC_WEBHOOK_TOKEN is a published sandbox value/);
    expect(() => inboundConfig({ NODE_ENV: 'production', PAYMENT_RAIL_STATUS_REPORT_TOKEN: 'short', KYC_WEBHOOK_TOKEN: STRONG })).toThrow(/shorter than 32 bytes/);
    expect(inboundConfig({ NODE_ENV: 'production', PAYMENT_RAIL_STATUS_REPORT_TOKEN: STRONG, KYC_WEBHOOK_TOKEN: 'onfido-token' })).toEqual({
      paymentRailReportToken: STRONG,
      kycWebhookToken: 'onfido-token',
    });
    expect(inboundConfig({})).toEqual({ paymentRailReportToken: SANDBOX_SECRETS.paymentRailReportToken, kycWebhookToken: SANDBOX_SECRETS.kycWebhookToken });
  });

  it('keeps the sandbox defaults outside production', () => {
    expect(authConfig({}).jwtSecret).toBe(SANDBOX_SECRETS.jwt);
    expect(authConfig({}).internalContextKey.kid).toBe('bankgraph-sandbox-1');
    expect(contextPublicKeys({}).keys.map((k) => k.kid)).toEqual(['bankgraph-sandbox-1']);
    expect(legacyCredentials({}).coreBankingPassword).toBe(SANDBOX_SECRETS.coreBankingPassword);
  });

  it('the real gateway process, given the README sandbox values in production, exits naming both', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/index.ts'], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: '0',
        JWT_SECRET: SANDBOX_SECRETS.jwt,
        INTERNAL_CONTEXT_PRIVATE_KEY: SANDBOX_SECRETS.internalContextPrivateKey,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    // A gateway that does start (the defect this guards against) must not outlive the test.
    const started = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await exited.finally(() => clearTimeout(started));
    expect(code, output).not.toBe(0);
    expect(output).toMatch(/JWT_SECRET is a published sandbox value; INTERNAL_CONTEXT_PRIVATE_KEY is the published sandbox key/);
  }, 60_000);
});
