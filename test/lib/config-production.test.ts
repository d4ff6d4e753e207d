import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SANDBOX_SECRETS, authConfig, legacyCredentials } from '../../lib/config.js';

const STRONG = 'x'.repeat(40);

describe('production refuses the published sandbox secrets', () => {
  it('names every offending auth variable in one error: a sandbox value, or a symmetric key under 32 bytes', () => {
    const env = { NODE_ENV: 'production', JWT_SECRET: SANDBOX_SECRETS.jwt, INTERNAL_CONTEXT_SECRET: 'short' };
    expect(() => authConfig(env)).toThrow(/JWT_SECRET is a published sandbox value; INTERNAL_CONTEXT_SECRET is shorter than 32 bytes/);
    expect(() => authConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET is not set; INTERNAL_CONTEXT_SECRET is not set/);
    expect(authConfig({ NODE_ENV: 'production', JWT_SECRET: STRONG, INTERNAL_CONTEXT_SECRET: STRONG }).jwtSecret).toBe(STRONG);
  });

  it('names every offending legacy credential in one error', () => {
    const env = {
      NODE_ENV: 'production',
      KYC_APP_TOKEN: SANDBOX_SECRETS.kycAppToken,
      KYC_HMAC_SECRET: SANDBOX_SECRETS.kycHmac,
      CORE_BANKING_USER: 'bank-user',
      CORE_BANKING_PASSWORD: SANDBOX_SECRETS.coreBankingPassword,
    };
    expect(() => legacyCredentials(env)).toThrow(/KYC_APP_TOKEN is a published sandbox value; KYC_HMAC_SECRET is a published sandbox value; CORE_BANKING_PASSWORD is a published sandbox value/);
    // The card processor's Marqeta tokens follow the same rules as every other legacy credential.
    expect(() =>
      legacyCredentials({
        ...env,
        CARD_PROCESSOR_APPLICATION_TOKEN: SANDBOX_SECRETS.cardProcessorApplicationToken,
        CARD_PROCESSOR_ACCESS_TOKEN: SANDBOX_SECRETS.cardProcessorAccessToken,
      }),
    ).toThrow(/CARD_PROCESSOR_APPLICATION_TOKEN is a published sandbox value; CARD_PROCESSOR_ACCESS_TOKEN is a published sandbox value/);
  });

  it('keeps the sandbox defaults outside production', () => {
    expect(authConfig({}).jwtSecret).toBe(SANDBOX_SECRETS.jwt);
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
        INTERNAL_CONTEXT_SECRET: SANDBOX_SECRETS.internalContext,
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
    expect(output).toMatch(/JWT_SECRET is a published sandbox value; INTERNAL_CONTEXT_SECRET is a published sandbox value/);
  }, 60_000);
});
