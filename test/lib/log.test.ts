import { describe, expect, it } from 'vitest';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { scrubText, serializeError } from '../../lib/log.js';

describe('lib/log.ts', () => {
  it('scrubText masks PAN-like runs, keeping the last four digits and the text around them', () => {
    expect(scrubText('card 4111111111111111 expired')).toBe('card ****1111 expired');
    expect(scrubText('card 4111 1111 1111 1111, and 5555-5555-5555-4444.')).toBe('card ****1111, and ****4444.');
    expect(scrubText('order 123456789012 of 12 digits stays')).toBe('order 123456789012 of 12 digits stays');
  });

  it('scrubText keeps a request id (a UUID) whose first groups are all digits, and still masks a card number beside it', () => {
    // Seen in a log: `****4792-bee1-9bb9eacf776a`, a request id no longer matching its other lines.
    const id = '12345678-9012-4792-bee1-9bb9eacf776a';
    expect(scrubText(id)).toBe(id);
    expect(scrubText(`request ${id} paid with 4111-1111-1111-1111`)).toBe(`request ${id} paid with ****1111`);
    expect(scrubText('4111-1111-1111-1111-bee1')).toBe('****1111-bee1');
  });

  it("the err serializer includes an UpstreamError's detail, which is off its enumerable surface, scrubbed", () => {
    const err = new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, 'card-processor', 'card-processor is unavailable', {
      route: 'GET /v2/cards',
      status: 502,
      legacyCode: 'processor_error',
      legacyMessage: 'no route to vault for 4111111111111111',
    });
    expect(JSON.stringify(err)).not.toContain('detail');
    expect(serializeError(err)).toMatchObject({
      type: 'UpstreamError',
      code: ErrorCode.UPSTREAM_UNAVAILABLE,
      detail: { route: 'GET /v2/cards', status: 502, legacyCode: 'processor_error', legacyMessage: 'no route to vault for ****1111' },
    });
    expect(serializeError(new Error('plain'))).not.toHaveProperty('detail');
  });
});
