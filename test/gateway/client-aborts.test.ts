import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from './fixtures.js';
import { capturingLogger, eventually, post, startStack, tokenFor, type Stack } from './helpers.js';

// A connection that ends before its request body is read is the client's doing, not the gateway's failure: no
// error-level line (issue 11 item 3). Before, the body read's "aborted" was the edge's "unexpected error".

const { logger, lines } = capturingLogger();
let stack: Stack;
let token: string;
beforeAll(async () => {
  [stack, token] = await Promise.all([startStack({ fixtures: [accounts], logger }), tokenFor({ customer: 'cust-0001' })]);
});
afterAll(() => stack?.stop());

/** Writes raw bytes to the gateway, then closes the socket; resolves once the server closed its side too. */
function sendAndClose(bytes: string): Promise<string> {
  const port = Number(new URL(stack.gateway.origin).port);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes, () => socket.end()));
    socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

const head = (extra: string) =>
  `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\n${extra}\r\n`;

describe('connections that end before the request body is read', () => {
  it.each([
    ['a client that hangs up halfway through its body', head('Content-Length: 100\r\n') + '{"query": "{'],
    ['a chunked body node refuses to parse', head('Transfer-Encoding: chunked\r\n') + 'zz\r\n{}\r\n0\r\n\r\n'],
  ])('%s: an info line, never an error-level one, and the gateway keeps serving', async (_, bytes) => {
    const before = lines.length;
    await sendAndClose(bytes);
    // The gateway's word on the request, whichever it is: the old edge's error line or the info line.
    const said = () => lines.slice(before).filter((l) => l.level !== 'debug' && l.msg !== 'request');
    await eventually(async () => said().length > 0);
    expect(said()).toEqual([expect.objectContaining({ level: 'info', msg: 'the connection closed before the request body was read' })]);
    const reply = await post(stack.gateway.url, { query: '{ echo(text: "still here") }' }, { token });
    expect(reply.status).toBe(200);
  });
});
