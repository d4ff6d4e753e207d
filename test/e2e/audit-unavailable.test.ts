import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../gateway/server.js';
import { eventOfFields, RedisStreamAuditSink } from '../../lib/audit.js';
import { auditFailClosed } from '../../lib/config.js';
import { paymentInput } from '../journeys/support.js';
import { DASHBOARD, journeyOperation } from '../support/operations.js';
import { startRedisServer, type TestRedis } from '../support/redis-server.js';
import { uniquePrefix } from '../support/redis.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * When the audit stream cannot be written (its Redis is down: a redis-server this file starts, then kills), a read is
 * refused with AUDIT_UNAVAILABLE and no data where the audit fails closed (AUDIT_FAIL_CLOSED, the production
 * default), and answered with a warning in the log where it fails open.
 */

interface LogLine {
  level: string;
  msg: string;
  requestId?: string;
  errorCodes?: string[];
  status?: number;
}

const WARN = 'warn';
const ERROR = 'error';

async function startAudited(redis: TestRedis, failClosed: boolean) {
  const lines: LogLine[] = [];
  const sink = new RedisStreamAuditSink({ url: redis.url, prefix: uniquePrefix('audit-unavailable') });
  const stack = await startStack({
    audit: sink,
    auditFailClosed: failClosed,
    logDestination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    logLevel: 'info',
  });
  const stored = async () => {
    const reader = new Redis(redis.url);
    try {
      return (await reader.xrange(sink.stream, '-', '+')).map(([, fields]) => eventOfFields(fields));
    } finally {
      reader.disconnect();
    }
  };
  return { stack, sink, lines, stored, ofRequest: (requestId: string | null) => lines.filter((l) => l.requestId === requestId) };
}

describe('AUDIT_FAIL_CLOSED', () => {
  it('is on in production and off elsewhere unless set; any other value than true/false stops the gateway at start', async () => {
    expect(auditFailClosed({ NODE_ENV: 'production' })).toBe(true);
    expect(auditFailClosed({ NODE_ENV: 'production', AUDIT_FAIL_CLOSED: 'false' })).toBe(false);
    expect(auditFailClosed({})).toBe(false);
    expect(auditFailClosed({ NODE_ENV: 'development', AUDIT_FAIL_CLOSED: 'TRUE' })).toBe(true);
    const before = process.env.AUDIT_FAIL_CLOSED;
    process.env.AUDIT_FAIL_CLOSED = 'sometimes';
    try {
      await expect(createGateway({ supergraphPath: 'schema/supergraph.graphql' })).rejects.toThrow(
        'AUDIT_FAIL_CLOSED must be true or false, got "sometimes"',
      );
    } finally {
      if (before === undefined) delete process.env.AUDIT_FAIL_CLOSED;
      else process.env.AUDIT_FAIL_CLOSED = before;
    }
  });
});

describe('a read whose audit event cannot be recorded (the audit Redis is down)', () => {
  let redis: TestRedis;
  let closed: Awaited<ReturnType<typeof startAudited>>;
  let open: Awaited<ReturnType<typeof startAudited>>;
  let token: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    [closed, open] = await Promise.all([startAudited(redis, true), startAudited(redis, false)]);
    token = await closed.stack.customerToken('cust-0001');
  });
  afterAll(async () => {
    await Promise.all([closed?.stack.stop(), open?.stack.stop()]);
    await Promise.all([closed?.sink.close(), open?.sink.close()]);
    await redis?.destroy();
  });

  it('is answered and recorded while the audit Redis is up', async () => {
    const answer = await closed.stack.graphql(DASHBOARD, { currency: 'EUR' }, token);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    const requestId = answer.headers.get('x-request-id');
    expect((await closed.stored()).filter((e) => e.requestId === requestId)).toMatchObject([{ outcome: 'ok', customerId: 'cust-0001' }]);
  });

  describe('with the Redis killed', () => {
    beforeAll(() => redis.kill());

    it('fail closed: refused with AUDIT_UNAVAILABLE (503) and no data; the request log and an error line say so', async () => {
      const answer = await closed.stack.graphql(DASHBOARD, { currency: 'EUR' }, token);
      expect(answer.status).toBe(503);
      const requestId = answer.headers.get('x-request-id')!;
      expect(answer.body).toEqual({
        errors: [{ message: expect.stringMatching(/audit log cannot record this read/), extensions: { code: 'AUDIT_UNAVAILABLE', requestId } }],
      });
      const logged = closed.ofRequest(requestId);
      expect(logged).toContainEqual(expect.objectContaining({ level: ERROR, msg: expect.stringMatching(/^audit event could not be recorded; the read is refused/) }));
      expect(logged).toContainEqual(expect.objectContaining({ msg: 'request', status: 503, errorCodes: ['AUDIT_UNAVAILABLE'] }));
    });

    it('fail closed: a request that reads no audited field is still answered', async () => {
      const answer = await closed.stack.graphql('query Who { me { id } }', {}, token);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ data: { me: { id: 'cust-0001' } } });
    });

    it("fail closed: a mutation's answer is not withheld (its effect happened), the failure is a warning", async () => {
      const answer = await closed.stack.graphql(
        journeyOperation('SendInternationalPayment'),
        { idempotencyKey: `audit-down-${Date.now()}`, input: paymentInput({ amount: '3.00' }) },
        token,
      );
      expect(answer.body.errors).toBeUndefined();
      const payload = (answer.body.data as { sendInternationalPayment: { journey: { status: string }; debited: { amount: string } } }).sendInternationalPayment;
      expect(payload.journey.status).toBe('COMPLETED');
      expect(payload.debited).toBeTruthy();
      expect(closed.ofRequest(answer.headers.get('x-request-id'))).toContainEqual(
        expect.objectContaining({ level: WARN, msg: expect.stringMatching(/^audit event could not be recorded; the answer went out/) }),
      );
    });

    it('fail open: answered with its data, and the failure is a warning naming the request', async () => {
      const answer = await open.stack.graphql(DASHBOARD, { currency: 'EUR' }, token);
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect((answer.body.data as { me: { accounts: unknown[] } }).me.accounts).toHaveLength(3);
      expect(open.ofRequest(answer.headers.get('x-request-id'))).toContainEqual(
        expect.objectContaining({ level: WARN, msg: 'audit event could not be recorded; the answer went out (AUDIT_FAIL_CLOSED=false)' }),
      );
    });

    it('fail closed: answered again, and recorded, once the Redis is back', async () => {
      await redis.restart();
      const answer = await closed.stack.graphql(DASHBOARD, { currency: 'EUR' }, token);
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      const requestId = answer.headers.get('x-request-id');
      expect((await closed.stored()).filter((e) => e.requestId === requestId)).toMatchObject([{ outcome: 'ok' }]);
    });
  });
});
