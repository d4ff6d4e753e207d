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

  it('refuses a timeout a timer cannot keep, rather than reading 0 as "no limit"', () => {
    expect(() => subgraphTimeoutMs('kyc', { KYC_SUBGRAPH_TIMEOUT_MS: '0' })).toThrow(/KYC_SUBGRAPH_TIMEOUT_MS must be from 1 to 2147483647 ms, got "0"/);
    expect(() => subgraphTimeoutMs('cards', { SUBGRAPH_TIMEOUT_MS: '2147483648' })).toThrow(/SUBGRAPH_TIMEOUT_MS must be from 1/);
    // A journeys timeout under the wait is allowed: the journeys subgraph cuts its wait to the gateway's deadline.
    expect(subgraphTimeoutMs('journeys', { JOURNEY_WAIT_MS: '10000', JOURNEYS_SUBGRAPH_TIMEOUT_MS: '4000' })).toBe(4000);
  });
});
