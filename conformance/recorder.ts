import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { Exchange } from './exchange.js';

/**
 * A reverse proxy that records every exchange between a connector and its legacy system, byte for byte as sent
 * and answered: the conformance run puts one in front of each simulator (test/support/stack.ts `interpose`) and
 * holds what it recorded to the vendor's specification. It changes nothing: same method, path, headers (but the
 * hop-by-hop ones) and body each way.
 */

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

export class RecordingProxy {
  readonly exchanges: Exchange[] = [];

  private constructor(
    readonly system: string,
    private readonly target: URL,
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(system: string, targetUrl: string): Promise<RecordingProxy> {
    const target = new URL(targetUrl);
    let proxy: RecordingProxy | undefined;
    const server = createServer((req, res) => {
      void (proxy as RecordingProxy).forward(req).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        (err: unknown) => {
          // The simulator did not answer (a reset fault): the connector sees a reset too.
          res.destroy(err instanceof Error ? err : undefined);
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    proxy = new RecordingProxy(system, target, server, `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`);
    return proxy;
  }

  private async forward(req: IncomingMessage): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const requestBody = Buffer.concat(chunks);
    const requestHeaders = flat(req.headers);
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const answer = await request(new URL(url, this.target.origin), {
      method: method as 'GET',
      headers: Object.fromEntries(Object.entries(requestHeaders).filter(([k]) => !HOP_BY_HOP.has(k))),
      ...(requestBody.length ? { body: requestBody } : {}),
    });
    const body = Buffer.from(await answer.body.arrayBuffer());
    const responseHeaders = flat(answer.headers);
    this.exchanges.push({
      system: this.system,
      method,
      url,
      requestHeaders,
      requestBody: requestBody.toString('utf8'),
      status: answer.statusCode,
      responseHeaders,
      responseBody: body.toString('utf8'),
    });
    return { status: answer.statusCode, headers: Object.fromEntries(Object.entries(responseHeaders).filter(([k]) => !HOP_BY_HOP.has(k))), body };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

function flat(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
