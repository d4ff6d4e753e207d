import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { DASHBOARD } from '../support/operations.js';

/**
 * The system talks to nothing but its own services: no telemetry to a vendor, no cloud metadata probes. Every
 * outbound TCP connection made while the whole system starts and answers is recorded here.
 */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);

describe('nothing leaves the machine', () => {
  const destinations: string[] = [];
  const original = Socket.prototype.connect;
  let stack: Stack;

  beforeAll(async () => {
    // Recorded before anything starts, so a probe made while the gateway is constructed is seen too.
    Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
      // net.connect passes its normalized arguments as one array ([options, callback]).
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const options = typeof first === 'object' && first !== null ? (first as { host?: string; path?: string }) : undefined;
      const host = options?.path ?? options?.host ?? (typeof args[1] === 'string' ? args[1] : undefined);
      if (host !== undefined) destinations.push(String(host));
      return (original as (...a: unknown[]) => Socket).apply(this, args);
    } as typeof Socket.prototype.connect;
    stack = await startStack();
  });
  afterAll(async () => {
    Socket.prototype.connect = original;
    await stack?.stop();
  });

  it('connects only to loopback while starting and serving the dashboard', async () => {
    const answer = await stack.graphql(DASHBOARD, {}, await stack.customerToken('cust-0001'));
    expect(answer.body.errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300)); // asynchronous detectors fire within moments of construction
    expect(destinations.length).toBeGreaterThan(0);
    expect(destinations.filter((h) => !LOOPBACK.has(h) && !h.startsWith('/'))).toEqual([]);
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
  });
});
