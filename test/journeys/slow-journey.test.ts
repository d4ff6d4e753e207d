import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { journeyOperation } from '../support/operations.js';
import { settled, stepStatuses } from './support.js';

const ONBOARD = journeyOperation('OnboardCustomer');
const WAIT_MS = 800;

describe('a journey slower than its wait, through the gateway', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Every other subgraph gets exactly the journeys' wait: the journeys subgraph must still get longer.
    stack = await startStack({ journeyWaitMs: WAIT_MS, journeyEnv: { SUBGRAPH_TIMEOUT_MS: String(WAIT_MS) } });
  });
  afterAll(() => stack?.stop());

  it('answers RUNNING with the journey to follow, not UPSTREAM_TIMEOUT, and the journey then completes', async () => {
    stack.fault('core-banking', { route: 'POST /fineract-provider/api/v1/clients', latencyMs: 2 * WAIT_MS });
    const staff = await stack.staffToken('operations');
    const input = {
      firstName: 'Ada',
      lastName: 'Slowpath',
      email: `ada.slowpath+${Date.now()}@example.com`,
      phone: '+49 30 5550100',
      dateOfBirth: '1988-02-11',
      country: 'DE',
      product: 'EUR_CURRENT',
    };
    const answer = await stack.graphql(ONBOARD, { idempotencyKey: `slow-${Date.now()}`, input }, staff);
    expect(answer.body.errors).toBeUndefined();
    const journey = (answer.body.data?.onboardCustomer as { journey: { id: string; status: string } }).journey;
    expect(journey.status).toBe('RUNNING');

    stack.clearFaults();
    const done = await settled(stack, journey.id);
    expect(done.status).toBe('COMPLETED');
    expect(stepStatuses(done)).toMatchObject({ createCoreBankingClient: 'SUCCEEDED', activateAccount: 'SUCCEEDED' });
  });
});
