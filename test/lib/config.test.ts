import { describe, expect, it } from 'vitest';
import { JOURNEY_ANSWER_MARGIN_MS, subgraphTimeoutMs } from '../../lib/config.js';

describe('subgraphTimeoutMs', () => {
  it('gives every subgraph 10 s, and journeys its wait plus a margin so that a slow journey can answer RUNNING', () => {
    expect(subgraphTimeoutMs('accounts', {})).toBe(10_000);
    expect(subgraphTimeoutMs('journeys', {})).toBe(10_000 + JOURNEY_ANSWER_MARGIN_MS);
    expect(subgraphTimeoutMs('journeys', { JOURNEY_WAIT_MS: '30000' })).toBe(30_000 + JOURNEY_ANSWER_MARGIN_MS);
    expect(subgraphTimeoutMs('journeys', { JOURNEY_WAIT_MS: '1000', SUBGRAPH_TIMEOUT_MS: '20000' })).toBe(20_000);
  });

  it('takes SUBGRAPH_TIMEOUT_MS for all and <NAME>_SUBGRAPH_TIMEOUT_MS for one', () => {
    const env = { SUBGRAPH_TIMEOUT_MS: '3000', KYC_SUBGRAPH_TIMEOUT_MS: '8000' };
    expect(subgraphTimeoutMs('cards', env)).toBe(3000);
    expect(subgraphTimeoutMs('kyc', env)).toBe(8000);
    expect(() => subgraphTimeoutMs('cards', { SUBGRAPH_TIMEOUT_MS: 'soon' })).toThrow(/SUBGRAPH_TIMEOUT_MS must be a non-negative integer/);
  });

  it('refuses a journeys timeout that would cut off the RUNNING answer', () => {
    expect(() => subgraphTimeoutMs('journeys', { JOURNEY_WAIT_MS: '10000', JOURNEYS_SUBGRAPH_TIMEOUT_MS: '10000' })).toThrow(
      /JOURNEYS_SUBGRAPH_TIMEOUT_MS \(10000 ms\) must be longer than JOURNEY_WAIT_MS \(10000 ms\)/,
    );
    expect(subgraphTimeoutMs('journeys', { JOURNEY_WAIT_MS: '10000', JOURNEYS_SUBGRAPH_TIMEOUT_MS: '12000' })).toBe(12_000);
  });
});
