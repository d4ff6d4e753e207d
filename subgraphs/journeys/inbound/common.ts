import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter } from 'prom-client';
import { ErrorCode } from '../../../lib/errors.js';
import { readBody, sendJson } from '../../../lib/http.js';
import { journeysRegistry } from '../engine/metrics.js';

/** What the inbound routes share: their counter and the shape of a refusal. */

export const inboundReportsTotal = new Counter({
  name: 'bankgraph_inbound_reports_total',
  help: 'Reports and webhooks legacy systems pushed to the journeys, by sender and outcome (recorded, duplicate, unknown, ignored, invalid, unauthenticated).',
  labelNames: ['sender', 'outcome'] as const,
  registers: [journeysRegistry],
});

/** A refusal the sender can read: `{ error: { code, message } }`, the message naming what was wrong, never a value sent. */
export function refuse(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/**
 * The body of an inbound request, at most `maxBytes`; undefined once a larger one was refused with 413 (the
 * connection closed if the rest was not drained), counted as `invalid`. `what` names it in the refusal ("a report").
 */
export async function readLimitedBody(req: IncomingMessage, res: ServerResponse, maxBytes: number, what: string, count: (outcome: string) => void): Promise<string | undefined> {
  const body = await readBody(req, maxBytes);
  if (body.kind !== 'too-large') return body.text;
  count('invalid');
  if (!body.drained) res.setHeader('connection', 'close');
  refuse(res, 413, ErrorCode.BAD_REQUEST, `${what} is at most ${maxBytes} bytes`);
  return undefined;
}
