import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * The one piece of shared code the simulators use: a tiny router plus the admin routes every simulator has.
 *
 *   GET    /__stats   calls per route ({ system, total, routes: { "GET /clients/:id": 3 }, traceparents }):
 *                     `traceparents` are the W3C trace headers of the last 100 calls (null for a call without one),
 *                     oldest first, so a test can prove a call carried the caller's trace
 *   DELETE /__stats   resets the counts (and the traceparents)
 *   GET    /__faults  the faults in force
 *   POST   /__faults  adds a fault: { route?, latencyMs?, jitterMs?, errorRate?, timeoutRate?, down?,
 *                                    lostResponseRate?, subRequestErrorRate? }
 *                     (route is "METHOD /pattern" as in /__stats; without it the fault covers the whole system)
 *                     - errorRate, timeoutRate and down act before the handler: nothing happens in the system.
 *                     - lostResponseRate acts after it: the handler runs (a payment is booked, a card issued), then
 *                       the connection is reset instead of answering, so the caller cannot tell whether it worked.
 *                       The fault that makes a retry without an idempotency reference do things twice.
 *                     - subRequestErrorRate: for systems with a batch endpoint (core banking's POST /batches), the
 *                       share of sub-requests answered with the system's 5xx inside a 2xx batch answer; `route` then
 *                       names the sub-request's route ("GET /fineract-provider/api/v1/clients/:clientId").
 *   DELETE /__faults  clears every fault
 *
 * Simulators stand for the outside world, so this file must not import anything of bankgraph's.
 */

export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** The raw body text ('' when none). */
  readonly rawBody: string;
  /** The body parsed as JSON when the content type says JSON; undefined otherwise. */
  readonly body: unknown;
}

export interface SimResponse {
  readonly status?: number;
  /** Serialised as JSON unless `text` is given. */
  readonly json?: unknown;
  readonly text?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export interface Fault {
  /** "METHOD /pattern" as listed by /__stats; omitted = every route of the system. */
  readonly route?: string;
  /** Added to every matching call. */
  readonly latencyMs?: number;
  /** Up to this much more, uniformly at random. */
  readonly jitterMs?: number;
  /** Share of calls (0..1) answered with the system's own 5xx error. */
  readonly errorRate?: number;
  /** Share of calls (0..1) that never answer (the socket is held open until the client gives up). */
  readonly timeoutRate?: number;
  /** Every matching call has its connection reset without an answer. */
  readonly down?: boolean;
  /**
   * Share of calls (0..1) whose handler runs (the effect happens) and whose answer is then lost: the connection is
   * reset instead. What a retried write meets after a network blip; only an idempotency reference keeps it single.
   */
  readonly lostResponseRate?: number;
  /**
   * Share of sub-requests (0..1) of a batch endpoint answered with the system's own 5xx inside the batch's 2xx.
   * `route` names the sub-request's route; without it, every sub-request. Only simulators with a batch endpoint
   * read it (subRequestFails).
   */
  readonly subRequestErrorRate?: number;
}

export interface SimulatorOptions {
  /** The system's name, as in /__stats and in logs. */
  readonly system: string;
  /** Builds the system's own 5xx error body (each legacy system has its own error dialect). */
  readonly serverError?: (message: string) => SimResponse;
  /** The system's own 404 for an unknown route. */
  readonly notFound?: (method: string, path: string) => SimResponse;
  /** The system's own answer to a body it cannot read: 400 (malformed JSON) or 413 (too large). */
  readonly unreadableBody?: (status: 400 | 413, message: string) => SimResponse;
}

export interface RunningSimulator {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly regex: RegExp;
  readonly keys: readonly string[];
  readonly handler: SimHandler;
}

/** A request body larger than this is refused with 413: simulators are not a place to stream uploads. */
const MAX_BODY_BYTES = 1024 * 1024;
/** How many calls' traceparent headers /__stats keeps. */
const RECENT_TRACEPARENTS = 100;

export class Simulator {
  readonly system: string;
  private readonly routes: Route[] = [];
  private readonly stats = new Map<string, number>();
  private readonly traceparents: (string | null)[] = [];
  private faults: Fault[] = [];
  private readonly serverError: (message: string) => SimResponse;
  private readonly notFound: (method: string, path: string) => SimResponse;
  private readonly unreadableBody: (status: 400 | 413, message: string) => SimResponse;

  constructor(options: SimulatorOptions) {
    this.system = options.system;
    this.serverError =
      options.serverError ?? ((message) => ({ status: 500, json: { error: message } }));
    this.notFound =
      options.notFound ?? ((method, path) => ({ status: 404, json: { error: `no route ${method} ${path}` } }));
    this.unreadableBody = options.unreadableBody ?? ((status, message) => ({ status, json: { error: message } }));
  }

  /** Adds a route; `pattern` may hold `:name` segments. Returns this for chaining. */
  route(method: string, pattern: string, handler: SimHandler): this {
    this.routes.push({ method: method.toUpperCase(), pattern, ...compilePattern(pattern), handler });
    return this;
  }

  /** Calls per route since the last reset (admin routes are not counted). */
  getStats(): { system: string; total: number; routes: Record<string, number> } {
    const routes = Object.fromEntries(this.stats);
    const total = [...this.stats.values()].reduce((a, b) => a + b, 0);
    return { system: this.system, total, routes };
  }

  resetStats(): void {
    this.stats.clear();
    this.traceparents.length = 0;
  }

  /** The `traceparent` header of each of the last RECENT_TRACEPARENTS calls to a route (null without one), oldest first. */
  recentTraceparents(): (string | null)[] {
    return [...this.traceparents];
  }

  setFaults(faults: Fault[]): void {
    this.faults = faults.map(validateFault);
  }

  addFault(fault: Fault): void {
    this.faults.push(validateFault(fault));
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** For a batch endpoint: whether the sub-request to `routeKey` ("GET /pattern") is to fail (subRequestErrorRate). */
  subRequestFails(routeKey: string): boolean {
    return this.faults.some((f) => (!f.route || f.route === routeKey) && f.subRequestErrorRate !== undefined && Math.random() < f.subRequestErrorRate);
  }

  /** The request listener, for embedding in another server or a test. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.dispatch(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, this.serverError(err instanceof Error ? err.message : String(err)));
      else res.destroy();
    });
  };

  listen(port = 0, host = '127.0.0.1'): Promise<RunningSimulator> {
    const server: Server = createServer({ keepAliveTimeout: 30_000 }, this.handle);
    const sockets = new Set<Socket>();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const { port: actual } = server.address() as AddressInfo;
        resolve({
          url: `http://${host}:${actual}`,
          port: actual,
          close: () =>
            new Promise<void>((done) => {
              // Held-open sockets (timeout faults, keep-alive) would keep close() waiting forever.
              for (const s of sockets) s.destroy();
              server.close(() => done());
            }),
        });
      });
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    if (rawBody === null) {
      send(res, this.unreadableBody(413, 'request body too large'));
      return;
    }

    if (url.pathname === '/__stats' || url.pathname === '/__faults') {
      send(res, this.admin(method, url.pathname, rawBody));
      return;
    }

    let body: unknown;
    if (rawBody && /json/i.test(req.headers['content-type'] ?? '')) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        send(res, this.unreadableBody(400, 'malformed JSON body'));
        return;
      }
    }

    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(url.pathname);
      if (!m) continue;
      const key = `${route.method} ${route.pattern}`;
      this.stats.set(key, (this.stats.get(key) ?? 0) + 1);
      this.noteTraceparent(req.headers.traceparent);
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));

      const verdict = await this.applyFaults(key);
      if (verdict === 'down') {
        req.socket.destroy();
        return;
      }
      if (verdict === 'timeout') {
        // Never answer; the client's timeout decides. close() destroys the socket.
        return;
      }
      if (verdict === 'error') {
        send(res, this.serverError(`${this.system} injected fault`));
        return;
      }
      const out = await route.handler({ method, path: url.pathname, params, query: url.searchParams, headers: req.headers, rawBody, body });
      if (this.losesAnswer(key)) {
        // The work is done; the answer never arrives.
        req.socket.destroy();
        return;
      }
      send(res, out);
      return;
    }
    send(res, this.notFound(method, url.pathname));
  }

  private async applyFaults(routeKey: string): Promise<'ok' | 'down' | 'timeout' | 'error'> {
    const matching = this.faults.filter((f) => !f.route || f.route === routeKey);
    if (matching.length === 0) return 'ok';
    let delay = 0;
    for (const f of matching) delay += (f.latencyMs ?? 0) + Math.random() * (f.jitterMs ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    for (const f of matching) {
      if (f.down) return 'down';
      if (f.timeoutRate && Math.random() < f.timeoutRate) return 'timeout';
      if (f.errorRate && Math.random() < f.errorRate) return 'error';
    }
    return 'ok';
  }

  private noteTraceparent(header: string | string[] | undefined): void {
    const value = Array.isArray(header) ? header[0] : header;
    // Bounded twice: the number kept, and the length of each (a header is a client's to make up).
    this.traceparents.push(value === undefined ? null : value.slice(0, 128));
    if (this.traceparents.length > RECENT_TRACEPARENTS) this.traceparents.shift();
  }

  private losesAnswer(routeKey: string): boolean {
    return this.faults.some((f) => (!f.route || f.route === routeKey) && f.lostResponseRate !== undefined && Math.random() < f.lostResponseRate);
  }

  private admin(method: string, path: string, rawBody: string): SimResponse {
    if (path === '/__stats') {
      if (method === 'GET') return { json: { ...this.getStats(), traceparents: this.recentTraceparents() } };
      if (method === 'DELETE') {
        this.resetStats();
        return { status: 204 };
      }
    } else {
      if (method === 'GET') return { json: { system: this.system, faults: this.faults } };
      if (method === 'DELETE') {
        this.clearFaults();
        return { status: 204 };
      }
      if (method === 'POST') {
        try {
          const parsed: unknown = JSON.parse(rawBody || '{}');
          const list = Array.isArray(parsed) ? parsed : [parsed];
          for (const f of list) this.addFault(f as Fault);
          return { status: 201, json: { system: this.system, faults: this.faults } };
        } catch (err) {
          return { status: 400, json: { error: err instanceof Error ? err.message : 'bad fault' } };
        }
      }
    }
    return { status: 405, json: { error: `${method} not allowed on ${path}` } };
  }
}

/** A route pattern ("/clients/:id") as a regular expression and the names of its `:params`, in order. */
export function compilePattern(pattern: string): { regex: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = pattern
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        keys.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${source}/?$`), keys };
}

function validateFault(f: Fault): Fault {
  if (typeof f !== 'object' || f === null) throw new Error('a fault must be an object');
  for (const k of ['errorRate', 'timeoutRate', 'lostResponseRate', 'subRequestErrorRate'] as const) {
    const v = f[k];
    if (v !== undefined && (typeof v !== 'number' || v < 0 || v > 1)) throw new Error(`${k} must be between 0 and 1`);
  }
  for (const k of ['latencyMs', 'jitterMs'] as const) {
    const v = f[k];
    if (v !== undefined && (typeof v !== 'number' || v < 0)) throw new Error(`${k} must be a non-negative number`);
  }
  if (f.route !== undefined && !/^[A-Z]+ \//.test(f.route)) throw new Error('route must look like "GET /path/:id"');
  return { ...f };
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, out: SimResponse): void {
  const status = out.status ?? 200;
  const headers: Record<string, string> = { ...out.headers };
  let payload = '';
  if (out.text !== undefined) {
    payload = out.text;
    headers['content-type'] = out.contentType ?? 'text/plain; charset=utf-8';
  } else if (out.json !== undefined) {
    payload = JSON.stringify(out.json);
    headers['content-type'] = out.contentType ?? 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(status, headers);
  res.end(payload);
}

/** Runs a simulator as a process: used by each legacy/<system>/index.ts. */
export async function runSimulator(sim: Simulator, port: number, host: string): Promise<RunningSimulator> {
  const running = await sim.listen(port, host);
  console.log(`${sim.system} simulator listening on ${running.url}`);
  const stop = () => {
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return running;
}
