import { configFromEnv } from './config.js';

/**
 * Runs the sandbox authorisation server as a process (AUTHORISATION_SERVER_PORT, default 4110; HOST, default
 * loopback). Every variable is listed in config.ts; with none set it is the sandbox (published keys, sandbox
 * customers), and NODE_ENV=production refuses those.
 *
 * oidc-provider prints "Unsupported runtime. Use Node.js v22.x LTS" with console.warn when its module is first
 * evaluated on any Node older than 22 LTS. bankgraph runs on Node 20 (package.json engines, the Dockerfile), which
 * oidc-provider 9 works on (its tests are what it does not promise); the yellow line would read as a fault at every
 * start. So this entry point, and only it, holds back exactly that one line while the module loads, and says once
 * what it held back. Library code (server.ts) and tests leave console alone.
 */
const config = configFromEnv();

const warn = console.warn;
let heldBack = false;
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) {
    heldBack = true;
    return;
  }
  warn(...args);
};
let listenAuthorisationServer: typeof import('./server.js').listenAuthorisationServer;
try {
  ({ listenAuthorisationServer } = await import('./server.js'));
} finally {
  console.warn = warn;
}
if (heldBack) console.log(`authorisation-server: running on Node ${process.versions.node} (oidc-provider would rather have Node 22 LTS)`);

const running = await listenAuthorisationServer(
  { ...config, issuer: process.env.AUTHORISATION_SERVER_ISSUER || undefined },
  config.port,
  config.host,
);
console.log(`authorisation-server listening on ${running.url} (issuer ${running.provider.issuer})`);
const stop = (): void => {
  void running.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
