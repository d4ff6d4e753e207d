/**
 * `npm start`: the whole sandbox on this machine, each service in its own process (as docker-compose runs them):
 * the legacy simulators and the sandbox authorisation server, the subgraphs, then the gateway. State is in memory
 * (no REDIS_URL needed).
 * Ctrl-C (or SIGTERM) stops everything; if any service dies, the rest are stopped and the exit code says so.
 *
 * Every service gets this shell's environment, except that only the gateway gets the context's private key
 * (INTERNAL_CONTEXT_PRIVATE_KEY, INTERNAL_CONTEXT_KEY_ID): the subgraphs verify with INTERNAL_CONTEXT_PUBLIC_KEYS.
 * With none of them set, the gateway signs with the published sandbox key and the subgraphs hold its public half.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bindHost, legacyUrl, portOf, LEGACY_SYSTEMS, SUBGRAPHS } from '../lib/config.js';

interface Service {
  readonly name: string;
  readonly entry: string;
  readonly url: string;
  /** Where to ask whether it is up. */
  readonly probe: string;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const host = bindHost();
const display = host === '0.0.0.0' ? '127.0.0.1' : host;

const simulators: Service[] = LEGACY_SYSTEMS.map((system) => ({
  name: system,
  entry: `legacy/${system}/index.ts`,
  url: legacyUrl(system),
  probe: `${legacyUrl(system)}/__stats`,
}));
/**
 * The sandbox's stand-in for the bank's OAuth 2.0 authorisation server, started with the simulators: partners get
 * their tokens there (client credentials, and the authorisation code of a customer's consent). It asks the journeys
 * subgraph about consents only when a customer is at its pages, so it need not wait for the subgraphs.
 */
const authorisationServerUrl = `http://${display}:${portOf('authorisation-server')}`;
const authorisationServerIssuer = process.env.AUTHORISATION_SERVER_ISSUER || `http://localhost:${portOf('authorisation-server')}`;
const authorisationServer: Service = {
  name: 'authorisation-server',
  entry: 'legacy/authorisation-server/index.ts',
  url: authorisationServerUrl,
  probe: `${authorisationServerUrl}/health`,
};
simulators.push(authorisationServer);
const subgraphs: Service[] = SUBGRAPHS.map((name) => ({
  name: `subgraph-${name}`,
  entry: `subgraphs/${name}/index.ts`,
  url: `http://${display}:${portOf(name)}/graphql`,
  probe: `http://${display}:${portOf(name)}/health`,
}));
const gatewayUrl = `http://${display}:${portOf('gateway')}`;
const gateway: Service = { name: 'gateway', entry: 'gateway/index.ts', url: `${gatewayUrl}/graphql`, probe: `${gatewayUrl}/health` };

/** What only the gateway may hold: with it, any process could sign a context for every subgraph. */
const GATEWAY_ONLY = ['INTERNAL_CONTEXT_PRIVATE_KEY', 'INTERNAL_CONTEXT_KEY_ID'];

/**
 * The journeys' route for the rail's pushed pacs.002 / pacs.004 reports (subgraphs/journeys/inbound/payment-rail.ts):
 * the rail simulator POSTs there, with PAYMENT_RAIL_STATUS_REPORT_TOKEN (unset on both sides: the sandbox token).
 */
const railReportsUrl = `http://${display}:${portOf('journeys')}/inbound/payment-rail/status-reports`;
/** And for Onfido's webhooks (inbound/kyc-provider.ts): the KYC simulator signs them with KYC_WEBHOOK_TOKEN. */
const kycWebhooksUrl = `http://${display}:${portOf('journeys')}/inbound/kyc-provider/webhooks`;

function envOf(service: Service): NodeJS.ProcessEnv {
  if (service === gateway) {
    // The gateway trusts the authorisation server's tokens (a shell's own values win).
    return {
      ...process.env,
      PARTNER_JWKS_URL: process.env.PARTNER_JWKS_URL ?? `${authorisationServerUrl}/jwks`,
      PARTNER_TOKEN_ISSUER: process.env.PARTNER_TOKEN_ISSUER ?? authorisationServerIssuer,
    };
  }
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !GATEWAY_ONLY.includes(key)));
  // A URL set in the shell wins (an empty one turns pushes off: settlement is then polled only).
  if (service.name === 'payment-rail' && env.PAYMENT_RAIL_STATUS_REPORT_URL === undefined) env.PAYMENT_RAIL_STATUS_REPORT_URL = railReportsUrl;
  if (service.name === 'kyc-provider' && env.KYC_PROVIDER_WEBHOOK_URL === undefined) env.KYC_PROVIDER_WEBHOOK_URL = kycWebhooksUrl;
  if (service === authorisationServer && env.CONSENTS_URL === undefined) env.CONSENTS_URL = `http://${display}:${portOf('journeys')}`;
  return env;
}

const children = new Map<string, ChildProcess>();
let stopping = false;

function launch(service: Service): void {
  const child = spawn(process.execPath, ['--import', 'tsx', service.entry], {
    cwd: root,
    env: envOf(service),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(service.name, child);
  const prefix = `[${service.name}]`.padEnd(24);
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => console.log(`${prefix}${line}`));
  }
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    if (stopping) return;
    console.error(`${prefix}exited (${signal ?? `code ${code}`}); stopping the others`);
    void stopAll(1);
  });
}

async function waitUntilUp(services: Service[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const s of services) {
    for (;;) {
      if (stopping) return;
      try {
        const res = await fetch(s.probe, { signal: AbortSignal.timeout(1000) });
        if (res.status < 500) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${s.name} did not come up at ${s.probe} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const exits = [...children.values()].map((c) => new Promise<void>((done) => c.once('exit', () => done())));
  for (const c of children.values()) c.kill('SIGTERM');
  // Longer than the gateway's default drain (its longest subgraph timeout + 1 s: 16 s), so a journey mutation in
  // flight still gets its answer; only a service that hangs is killed.
  const force = setTimeout(() => {
    for (const c of children.values()) c.kill('SIGKILL');
  }, 20_000);
  await Promise.all(exits);
  clearTimeout(force);
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  for (const s of simulators) launch(s);
  await waitUntilUp(simulators);
  for (const s of subgraphs) launch(s);
  await waitUntilUp(subgraphs);
  launch(gateway);
  await waitUntilUp([gateway]);
} catch (err) {
  console.error((err as Error).message);
  await stopAll(1);
}

if (!stopping) {
  const rows = [...simulators, ...subgraphs, gateway].map((s) => `  ${s.name.padEnd(22)}${s.url}`);
  console.log(`
bankgraph is running (in-memory state; set REDIS_URL for Redis).
${rows.join('\n')}

  Gateway:  ${gateway.url}   health ${gatewayUrl}/health   ready ${gatewayUrl}/ready
  Partners: authorisation server ${authorisationServerUrl} (issuer ${authorisationServerIssuer}, discovery /.well-known/openid-configuration)
  Token:    npm run -s token -- --customer cust-0001      (or --staff support|operations)
  Try:      TOKEN=$(npm run -s token -- --customer cust-0001 | tail -1)
            curl -s ${gateway.url} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
              -d '{"query":"{ me { profile { displayName } accounts { id balance { amount currency } } } }"}'
  Stop:     Ctrl-C
`);
}
