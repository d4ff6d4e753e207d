import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { journeyOperation } from '../support/operations.js';
import { eventually, settled, stepStatuses } from './support.js';

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

const applicant = (lastName: string) => ({
  firstName: 'Ada',
  lastName,
  email: `ada.${lastName.toLowerCase()}+${Date.now()}@example.com`,
  phone: '+49 30 5550100',
  dateOfBirth: '1988-02-11',
  country: 'DE',
  product: 'EUR_CURRENT',
});

describe('a journeys subgraph told to wait longer than the gateway waits for it', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Set apart, as two services' settings drift: the journeys subgraph waits 4 s, the gateway gives it 2 s.
    stack = await startStack({ journeyWaitMs: 4_000, journeyEnv: { JOURNEYS_SUBGRAPH_TIMEOUT_MS: '2000' } });
  });
  afterAll(() => stack?.stop());

  it("keeps within the gateway's deadline, which the gateway sends along, and answers RUNNING", async () => {
    stack.fault('core-banking', { route: 'POST /fineract-provider/api/v1/clients', latencyMs: 5_000 });
    const staff = await stack.staffToken('operations');
    const answer = await stack.graphql(ONBOARD, { idempotencyKey: `drift-${Date.now()}`, input: applicant('Drift') }, staff);
    expect(answer.body.errors).toBeUndefined();
    expect((answer.body.data?.onboardCustomer as { journey: { status: string } }).journey.status).toBe('RUNNING');
  });
});

describe('a gateway stopping while a journey mutation waits', () => {
  let stack: Stack;

  beforeAll(async () => {
    // A wait above 10 s, the drain time the gateway used to force connections closed after.
    // Core banking is slow but answers: the connector waits for it (the default 2 s would fail the step instead).
    stack = await startStack({ journeyWaitMs: 11_000, connectors: { 'core-banking': { timeoutMs: 20_000 } } });
  });
  afterAll(() => stack?.stop());

  it('lets the mutation finish its wait and answer RUNNING before the connection closes', async () => {
    // Two steps of 6.5 s each (under the 10 s step timeout): still running when the 11 s wait is over.
    stack.fault('core-banking', { route: 'POST /fineract-provider/api/v1/clients', latencyMs: 6_500 });
    stack.fault('core-banking', { route: 'POST /fineract-provider/api/v1/savingsaccounts', latencyMs: 6_500 });
    const staff = await stack.staffToken('operations');
    const idempotencyKey = `drain-${Date.now()}`;
    await stack.resetStats();
    const pending = stack.graphql(ONBOARD, { idempotencyKey, input: applicant('Drain') }, staff);
    // The journey has begun once it calls the KYC provider: the request is in flight at the journeys subgraph.
    await eventually('the journey to start', async () => ((await stack.stats())['kyc-provider']?.total ?? 0) > 0 || undefined);
    const stopped = stack.gateway.stop(); // a rolling deploy: drain
    const answer = await pending;
    expect(answer.body.errors).toBeUndefined();
    expect((answer.body.data?.onboardCustomer as { journey: { status: string } }).journey.status).toBe('RUNNING');
    await stopped;
  }, 30_000);
});
