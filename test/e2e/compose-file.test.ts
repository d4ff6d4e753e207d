import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LEGACY_SYSTEMS, SUBGRAPHS } from '../../lib/config.js';
import { PAYMENT_RAIL_REPORTS_PATH } from '../../subgraphs/journeys/inbound/payment-rail.js';

/**
 * docker-compose.yml is valid for Debian's docker-compose and runs what `npm start` runs: every legacy simulator, the sandbox authorisation server,
 * every subgraph and the gateway, plus Redis. No Docker engine is needed: `config` only reads the file.
 * Without docker-compose this file fails, saying how to get it (`npm test` installs it first: scripts/test-tools.sh).
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE = process.env.DOCKER_COMPOSE ?? 'docker-compose';

async function compose(...args: string[]): Promise<string> {
  const { stdout } = await run(COMPOSE, ['--file', 'docker-compose.yml', ...args], { timeout: 20_000, cwd: ROOT });
  return stdout;
}

await compose('version').catch((err: Error) => {
  throw new Error(`${COMPOSE} is required to validate docker-compose.yml and is not available (${err.message.split('\n')[0]}): apt-get install -y docker-compose (npm test does it as root).`);
});

describe('docker-compose.yml', () => {
  it('is valid (docker-compose config -q)', async () => {
    await expect(compose('config', '-q')).resolves.toBe('');
  });

  it("has the rail push its status reports to the journeys' inbound route", async () => {
    const config = await compose('config');
    expect(config).toContain(`PAYMENT_RAIL_STATUS_REPORT_URL: http://journeys:4205${PAYMENT_RAIL_REPORTS_PATH}`);
  });

  it('has a service for everything npm start runs, plus redis', async () => {
    const services = (await compose('config', '--services')).split('\n').filter(Boolean);
    const expected = [...LEGACY_SYSTEMS, 'authorisation-server', ...SUBGRAPHS, 'gateway', 'redis'];
    expect(expected.filter((s) => !services.includes(s)), 'missing services').toEqual([]);
  });
});
