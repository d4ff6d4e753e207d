import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type GraphQLAnswer, type Stack } from '../support/stack.js';
import { DASHBOARD, journeyOperation } from '../support/operations.js';

/**
 * Customer.kyc's risk through the gateway: the bank's own risk-scoring system's latest score, not the KYC vendor's.
 * The identity checks (status, lastCheckedAt) stay the KYC vendor's; a failing scoring system costs only the two
 * risk fields.
 */

interface Kyc {
  status: string;
  riskScore: number | null;
  riskLevel: string | null;
  lastCheckedAt: string | null;
}

const kycOf = (answer: GraphQLAnswer) => (answer.body.data as { me: { kyc: Kyc } } | null | undefined)?.me.kyc;

const CUSTOMER_KYC = /* GraphQL */ `
  query CustomerKyc($ids: [ID!]!) {
    customers(ids: $ids) { id kyc { status riskScore riskLevel } }
  }
`;

describe('Customer.kyc.riskScore and riskLevel come from the risk-scoring system', () => {
  let stack: Stack;
  beforeAll(async () => {
    // No retries: a failing scoring system answers at once.
    stack = await startStack({ connectors: { 'risk-scoring': { retry: { retries: 0 } } } });
  });
  afterEach(() => stack.clearFaults());
  afterAll(() => stack?.stop());

  it("shows the customer's latest score, and a new score as soon as it is made", async () => {
    const token = await stack.customerToken('cust-0002');
    await stack.resetStats();
    const before = await stack.graphql(DASHBOARD, {}, token);
    expect(before.body.errors).toBeUndefined();
    expect(kycOf(before)).toMatchObject({ status: 'CLEARED', riskScore: 14, riskLevel: 'LOW' });
    expect((await stack.stats())['risk-scoring'].routes).toEqual({ 'GET /v1/latest-scores': 1 });

    // The bank scores the customer again: the graph shows the new figure; the KYC vendor's checks stay as they were.
    await stack.journeys.deps.riskScoring.scoreOnboarding({
      customerId: 'cust-0002',
      firstName: 'Jonas',
      lastName: 'Risky',
      dateOfBirth: '1974-03-07',
      country: 'DE',
      kycOutcome: 'CLEAR',
      reference: `e2e-rescore-${Date.now()}`,
    });
    const after = await stack.graphql(DASHBOARD, {}, token);
    expect(after.body.errors).toBeUndefined();
    expect(kycOf(after)).toEqual({ ...kycOf(before), riskScore: 85, riskLevel: 'HIGH' });
  });

  it('shows no risk for a customer never scored (cust-0008, whose check still runs)', async () => {
    const answer = await stack.graphql(DASHBOARD, {}, await stack.customerToken('cust-0008'));
    expect(answer.body.errors).toBeUndefined();
    expect(kycOf(answer)).toMatchObject({ status: 'PENDING', riskScore: null, riskLevel: null });
  });

  it('nulls only riskScore and riskLevel, each with an error naming risk-scoring, when the scoring system fails', async () => {
    stack.fault('risk-scoring', { errorRate: 1 });
    const answer = await stack.graphql(DASHBOARD, {}, await stack.customerToken('cust-0001'));
    expect(answer.status).toBe(200);
    const me = (answer.body.data as { me: { kyc: Kyc; accounts: unknown[]; cards: unknown[]; wallet: unknown } }).me;
    expect(me.kyc).toEqual({ status: 'CLEARED', riskScore: null, riskLevel: null, lastCheckedAt: '2025-06-01T10:00:00.000Z' });
    expect(me.accounts).toHaveLength(3);
    expect(me.cards).not.toBeNull();
    expect(me.wallet).not.toBeNull();
    const errors = answer.body.errors ?? [];
    expect(errors.map((e) => e.path?.join('.')).sort()).toEqual(['me.kyc.riskLevel', 'me.kyc.riskScore']);
    for (const e of errors) expect(e.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'risk-scoring' });
    expect(JSON.stringify(answer.body)).not.toMatch(/injected fault|temporarily unavailable|stack/i);
  });

  it("shows an onboarded customer's risk as the onboarding's score", async () => {
    const staff = await stack.staffToken('operations');
    const onboarded = await stack.graphql(
      journeyOperation('OnboardCustomer'),
      {
        idempotencyKey: `e2e-risk-onboard-${Date.now()}`,
        input: { firstName: 'Ana', lastName: 'Ribeiro', email: 'ana.ribeiro@example.com', phone: null, dateOfBirth: '1992-08-30', country: 'PT', product: 'EUR_CURRENT' },
      },
      staff,
    );
    const payload = onboarded.body.data?.onboardCustomer as { journey: { id: string; status: string }; customer: { id: string } | null };
    expect(payload.journey.status).toBe('COMPLETED');
    const record = await stack.journeys.engine.get(payload.journey.id);
    const scored = record!.state.assessRisk as { score: number; level: string };
    const answer = await stack.graphql(CUSTOMER_KYC, { ids: [payload.customer!.id] }, staff);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.customers).toEqual([{ id: payload.customer!.id, kyc: { status: 'CLEARED', riskScore: scored.score, riskLevel: scored.level } }]);
  });
});
