import type { IncomingMessage } from 'node:http';

export type BodyRead =
  | { readonly kind: 'complete'; readonly text: string }
  /** Over the limit. `drained` says whether the rest was read (so the connection may answer and live on). */
  | { readonly kind: 'too-large'; readonly drained: boolean };

/**
 * Reads a request body up to `limitBytes`. A larger body is read on and thrown away (up to 16 times the limit) so the
 * client, still sending, gets the 413 instead of a reset connection; beyond that it is not worth the bandwidth.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyRead> {
  const drainLimit = limitBytes * 16;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > drainLimit) return Promise.resolve({ kind: 'too-large', drained: false });

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyRead) => {
      settled = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > drainLimit) {
        req.pause();
        settle({ kind: 'too-large', drained: false });
      } else if (size > limitBytes) {
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (settled) return;
      settle(
        size > limitBytes
          ? { kind: 'too-large', drained: true }
          : { kind: 'complete', text: Buffer.concat(chunks).toString('utf8') },
      );
    });
    req.on('error', (err) => {
      if (!settled) reject(err);
    });
  });
}
