import type { ServerResponse } from 'node:http';
import { Counter } from 'prom-client';
import type { ErrorCode } from '../../../lib/errors.js';
import { sendJson } from '../../../lib/http.js';
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
