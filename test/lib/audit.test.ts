import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuditSink,
  eventOfFields,
  MemoryAuditSink,
  RedisStreamAuditSink,
  scrubAuditText,
  userAgentFamily,
  type AuditEvent,
} from '../../lib/audit.js';
import { requireRedis, uniquePrefix } from '../support/redis.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdXN0LTAwMDEifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

/** An event a careless caller filled with things that must never be stored. */
const dirty: AuditEvent = {
  at: '2026-01-01T00:00:00.000Z',
  who: 'customer:cust-0001',
  requestId: 'req-1',
  operation: `Dashboard 4111111111111111 Bearer ${JWT}`,
  kind: 'read',
  customerId: 'cust-0001',
  accountIds: ['acc-5001', '5555 5555 5555 4444'],
  outcome: 'ok',
  from: '127.0.0.1 amelia.hartmann@example.com',
};

describe('lib/audit.ts', () => {
  it('scrubAuditText (scrubText) masks PAN-like runs, bearer tokens, JWTs, e-mail addresses and phone numbers', () => {
    expect(scrubAuditText('card 4111 1111 1111 1111')).toBe('card ****1111');
    expect(scrubAuditText(`authorization: Bearer ${JWT}`)).toBe('authorization: Bearer [redacted]');
    expect(scrubAuditText(`context ${JWT} end`)).toBe('context [redacted-jwt] end');
    expect(scrubAuditText('mail a.b@example.com')).toBe('mail [redacted-email]');
    expect(scrubAuditText('call +49 30 1234567 now')).toBe('call [redacted-phone] now');
    expect(scrubAuditText('request_id req_4111111111111111')).toBe('request_id req_****1111');
    expect(scrubAuditText('cust-0001 acc-5001 journey:abc')).toBe('cust-0001 acc-5001 journey:abc');
  });

  it('the memory sink keeps events in order, scrubbed', async () => {
    const sink = new MemoryAuditSink();
    await sink.record(dirty);
    await sink.record({ ...dirty, requestId: 'req-2', operation: 'Dashboard' });
    expect(sink.events.map((e) => e.requestId)).toEqual(['req-1', 'req-2']);
    const text = JSON.stringify(sink.events);
    expect(text).not.toMatch(/\d{13,19}|\d{4} \d{4} \d{4} \d{4}|eyJ|@example\.com/);
    expect(sink.events[0]).toMatchObject({ who: 'customer:cust-0001', customerId: 'cust-0001', accountIds: ['acc-5001', '****4444'] });
  });

  it('is in memory without REDIS_URL', async () => {
    const sink = createAuditSink({});
    expect(sink.kind).toBe('memory');
    await sink.close();
  });

  it('userAgentFamily names the family, never the whole header', () => {
    expect(userAgentFamily('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0')).toBe('firefox');
    expect(userAgentFamily('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0')).toBe('edge');
    expect(userAgentFamily('Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15')).toBe('safari');
    expect(userAgentFamily('curl/8.5.0')).toBe('curl');
    expect(userAgentFamily('node')).toBe('node');
    expect(userAgentFamily('my-bespoke-client 4111111111111111')).toBe('other');
    expect(userAgentFamily(undefined)).toBe('unknown');
  });

  describe('the Redis stream sink', () => {
    let url: string;
    let reader: Redis;
    const streams: string[] = [];
    beforeAll(async () => {
      url = await requireRedis();
      reader = new Redis(url);
    });
    afterAll(async () => {
      // Test streams only: the application never deletes from the audit stream.
      if (streams.length) await reader.del(...streams);
      reader?.disconnect();
    });

    it('appends (XADD) scrubbed events that XRANGE reads back in order; REDIS_URL chooses it', async () => {
      const prefix = uniquePrefix('audit');
      const sink = createAuditSink({ REDIS_URL: url, REDIS_PREFIX: prefix });
      expect(sink).toBeInstanceOf(RedisStreamAuditSink);
      const stream = (sink as RedisStreamAuditSink).stream;
      streams.push(stream);
      expect(stream).toBe(`${prefix}audit`);
      await sink.record(dirty);
      await sink.record({ at: dirty.at, who: dirty.who, requestId: null, kind: 'journey', operation: 'PAYMENT', outcome: 'COMPLETED', from: 'journeys:w1', journeyId: 'jrn_1' });
      await sink.close();

      const entries = await reader.xrange(stream, '-', '+');
      expect(entries).toHaveLength(2);
      const events = entries.map(([, fields]) => eventOfFields(fields));
      expect(events[0]).toMatchObject({ who: 'customer:cust-0001', requestId: 'req-1', kind: 'read', customerId: 'cust-0001', accountIds: ['acc-5001', '****4444'], outcome: 'ok' });
      expect(events[1]).toMatchObject({ requestId: null, kind: 'journey', operation: 'PAYMENT', outcome: 'COMPLETED', journeyId: 'jrn_1' });
      const raw = JSON.stringify(entries.map(([, fields]) => fields)); // the entry ids are 13-digit timestamps
      expect(raw).not.toMatch(/\d{13,19}|\d{4} \d{4} \d{4} \d{4}|eyJ|@example\.com/);
    });

    it('never trims: appending more keeps every earlier entry', async () => {
      const prefix = uniquePrefix('audit-keep');
      const sink = new RedisStreamAuditSink({ url, prefix });
      streams.push(sink.stream);
      for (let i = 0; i < 50; i++) await sink.record({ ...dirty, requestId: `req-${i}` });
      await sink.close();
      expect(await reader.xlen(sink.stream)).toBe(50);
    });
  });
});
