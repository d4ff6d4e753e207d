import { describe, expect, it } from 'vitest';
import { ANSWER_MARGIN_MS, waitWithin, within } from '../../lib/deadline.js';

describe('waitWithin', () => {
  it("cuts a subgraph's wait to the gateway's deadline less the margin for the answer to travel", () => {
    expect(waitWithin(10_000, '15000')).toBe(10_000); // the gateway waits longer: the wait stands
    expect(waitWithin(10_000, '8000')).toBe(8_000 - ANSWER_MARGIN_MS);
    expect(waitWithin(10_000, ['4000', '9000'])).toBe(4_000 - ANSWER_MARGIN_MS);
    expect(waitWithin(10_000, '500')).toBe(0); // answer at once rather than after the gateway gave up
  });

  it('leaves the wait as it is when the header is missing or not a number of ms', () => {
    for (const header of [undefined, '', 'soon', '-5', '1e4', '12.5', '99999999999']) expect(waitWithin(10_000, header), String(header)).toBe(10_000);
  });
});

describe('within', () => {
  it('gives the value when it comes in time, undefined when it does not', async () => {
    expect(await within(Promise.resolve(7), 1_000)).toBe(7);
    expect(await within(new Promise<number>(() => {}), 20)).toBeUndefined();
    await expect(within(Promise.reject(new Error('no')), 1_000)).rejects.toThrow('no');
  });
});
