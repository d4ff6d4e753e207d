import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { onLegacyCall } from '../../connectors/http.js';
import { startStack, type Stack } from '../support/stack.js';
import { STAFF_OVERVIEW, journeyOperation } from '../support/operations.js';
import { eventually, settled, stepStatuses } from './support.js';

const ONBOARD = journeyOperation('OnboardCustomer');

interface Payload {
  journey: { id: string; status: string; reason: string | null; errorCode: string | null; steps: { name: string; status: string }[] };
  customer: { id: string; profile: { displayName: string; email: string } | null } | null;
  account: { id: string; number: string; currency: string; status: string } | null;
  card: { id: string } | null;
}

function applicant(over: Partial<Record<string, string>> = {}) {
  return {
    firstName: 'Noah',
    lastName: 'Keller',
    email: `noah.keller+${Math.random().toString(36).slice(2, 8)}@example.com`,
    phone: '+49 30 5550100',
    dateOfBirth: '1990-05-17',
    country: 'DE',
    product: 'EUR_CURRENT',
    ...over,
  };
}

describe('onboardCustomer', () => {
  let stack: Stack;
  let staff: string;
  let n = 0;
  const key = () => `onboard-${Date.now()}-${++n}`;
  const onboard = async (input: ReturnType<typeof applicant>, idempotencyKey = key(), as?: string) => {
    const answer = await stack.graphql(ONBOARD, { idempotencyKey, input }, as ?? staff);
    return { answer, payload: answer.body.data?.onboardCustomer as Payload | undefined };
  };

  beforeAll(async () => {
    stack = await startStack();
    staff = await stack.staffToken('operations');
  });
  afterEach(() => stack.clearFaults());
  afterAll(() => stack?.stop());

  it('opens a customer end to end and returns the new customer and account as entities of the graph', async () => {
    const input = applicant();
    const { answer, payload } = await onboard(input);
    expect(answer.body.errors).toBeUndefined();
    expect(payload?.journey.status).toBe('COMPLETED');
    expect(payload?.customer?.id).toMatch(/^cust-[0-9a-f]{12}$/);
    // Fields of other subgraphs, resolved through the gateway in the same request.
    expect(payload?.customer?.profile).toEqual({ displayName: 'Noah Keller', email: input.email });
    expect(payload?.account).toMatchObject({ currency: 'EUR', status: 'ACTIVE' });
    expect(stepStatuses(payload!.journey)).toMatchObject({
      createKycApplicant: 'SUCCEEDED',
      startKycCheck: 'SUCCEEDED',
      awaitKycCheck: 'SUCCEEDED',
      assessRisk: 'SUCCEEDED',
      createCoreBankingClient: 'SUCCEEDED',
      openAccount: 'SUCCEEDED',
      approveAccount: 'SUCCEEDED',
      activateAccount: 'SUCCEEDED',
    });
    // The card and the welcome message finish in the background.
    const done = await settled(stack, payload!.journey.id);
    expect(stepStatuses(done)).toMatchObject({ issueCard: 'SUCCEEDED', sendWelcome: 'SUCCEEDED' });
    const [cards] = await stack.journeys.deps.cardProcessor.getCardsOfCustomers([payload!.customer!.id]);
    expect(cards).toHaveLength(1);
    // The KYC check was asynchronous: the journey polled it.
    const poll = done.steps.find((s) => s.name === 'awaitKycCheck');
    expect(poll!.attempts.some((a) => a.outcome === 'PENDING')).toBe(true);
  });

  it('ends REJECTED with a reason when KYC says "consider", and opens nothing in core banking', async () => {
    const { payload } = await onboard(applicant({ lastName: 'Consider' }));
    expect(payload?.journey.status).toBe('REJECTED');
    expect(payload?.journey.errorCode).toBe('KYC_REJECTED');
    expect(payload?.journey.reason).toMatch(/manual review/);
    expect(payload?.customer).toBeNull();
    expect(stepStatuses(payload!.journey).createCoreBankingClient).toBe('PENDING');
  });

  it('records the customer -> applicant mapping Onfido does not keep, and the KYC subgraph reads the new customer by it', async () => {
    const { payload } = await onboard(applicant());
    expect(payload?.journey.status).toBe('COMPLETED');
    const customerId = payload!.customer!.id;
    const { applicantId } = (await stack.journeys.engine.get(payload!.journey.id))!.state.createKycApplicant as { applicantId: string };
    expect(await stack.journeys.deps.kycApplicants.applicantIdOf(customerId)).toBe(applicantId);
    // Through the gateway: journeys resolves Customer.kycApplicantId, the KYC subgraph reads Onfido with it.
    const answer = await stack.graphql(STAFF_OVERVIEW, { ids: [customerId, 'cust-0009'] }, staff);
    expect(answer.body.errors).toBeUndefined();
    const customers = (answer.body.data as { customers: { id: string; kyc: { status: string } | null }[] }).customers;
    expect(customers.map((c) => [c.id, c.kyc?.status ?? null])).toEqual([[customerId, 'CLEARED'], ['cust-0009', null]]);
  });

  it('makes one applicant at Onfido when every answer to POST /applicants is lost: the retry finds it', async () => {
    const lastName = `Lostanswer${Math.random().toString(36).slice(2, 7)}`;
    stack.fault('kyc-provider', { route: 'POST /v3.6/applicants', lostResponseRate: 1 });
    const { payload } = await onboard(applicant({ lastName }));
    const record = await settled(stack, payload!.journey.id);
    expect(record.status).toBe('COMPLETED');
    const create = record.steps.find((s) => s.name === 'createKycApplicant')!;
    expect(create.attempts.length).toBeGreaterThan(1);
    const res = await fetch(`${stack.simulators['kyc-provider'].running.url}/v3.6/applicants?per_page=500`, { headers: { authorization: 'Token token=sandbox-kyc-api-token' } });
    const { applicants } = (await res.json()) as { applicants: { id: string; last_name: string }[] };
    expect(applicants.filter((a) => a.last_name === lastName).map((a) => a.id)).toEqual([(record.state.createKycApplicant as { applicantId: string }).applicantId]);
  });

  it('ends REJECTED with its own reason when Onfido withdraws the check', async () => {
    const { payload } = await onboard(applicant({ lastName: 'Withdrawn' }));
    expect(payload?.journey.status).toBe('REJECTED');
    expect(payload?.journey.errorCode).toBe('KYC_WITHDRAWN');
    expect(payload?.journey.reason).toMatch(/withdrawn/);
    expect(stepStatuses(payload!.journey).createCoreBankingClient).toBe('PENDING');
  });

  it('keeps waiting while the check is awaiting the applicant, saying so', async () => {
    const { engine, flows } = stack.journeys;
    const started = await engine.start(flows.onboardCustomer as never, {
      principal: { kind: 'staff', staffId: 'staff-ops-1', role: 'operations' },
      idempotencyKey: `onboard-awaiting-${Date.now()}`,
      input: applicant({ lastName: 'Awaiting' }),
      waitMs: 0,
    });
    // Polled again and again (one attempt entry counting the checks), neither failed nor rejected.
    const poll = await eventually('the check to be polled three times', async () => {
      const step = (await engine.get(started.id))?.steps.find((s) => s.name === 'awaitKycCheck');
      const pending = step?.attempts.filter((a) => a.outcome === 'PENDING').reduce((n, a) => n + (a.count ?? 1), 0) ?? 0;
      return pending >= 3 ? step : undefined;
    });
    expect(['PENDING', 'RUNNING']).toContain(poll.status);
    expect(poll.attempts.every((a) => a.outcome === 'PENDING')).toBe(true);
    expect((await engine.get(started.id))?.status).toBe('RUNNING');
  });

  it('ends REJECTED when the risk score is above appetite', async () => {
    const { payload } = await onboard(applicant({ lastName: 'Risky' }));
    expect(payload?.journey.status).toBe('REJECTED');
    expect(payload?.journey.reason).toMatch(/risk score 85/);
  });

  it("asks the bank's risk-scoring system, not the KYC vendor, and ends REJECTED when its score is above appetite", async () => {
    await stack.resetStats();
    // A clear KYC result and an ordinary name: only the risk-scoring system's high-risk-country rule scores it high.
    const { payload } = await onboard(applicant({ country: 'KP' }));
    expect(payload?.journey.status).toBe('REJECTED');
    expect(payload?.journey.errorCode).toBe('KYC_REJECTED');
    expect(stepStatuses(payload!.journey)).toMatchObject({ awaitKycCheck: 'SUCCEEDED', createCoreBankingClient: 'PENDING' });
    const stats = await stack.stats();
    expect(stats['risk-scoring'].routes['POST /v1/scores']).toBe(1);
    expect(Object.keys(stats['kyc-provider'].routes).filter((r) => /risk/.test(r))).toEqual([]);
    // The score the journey was refused for is the system's record of this onboarding: the customer's latest.
    const record = await stack.journeys.engine.get(payload!.journey.id);
    const { customerId } = record!.state.createKycApplicant as { customerId: string };
    const latest = await stack.journeys.deps.riskScoring.latestScore(customerId);
    expect(latest?.level).toBe('HIGH');
    expect(payload?.journey.reason).toBe(`risk score ${latest?.score} is above the bank's appetite (60)`);
  });

  it('scores once when the answer to the score is lost: the step reference makes the retry answer the same score', async () => {
    stack.fault('risk-scoring', { route: 'POST /v1/scores', lostResponseRate: 1 });
    // The first answer is lost; the fault goes with it (in-process, before the connector's retry).
    const stop = onLegacyCall((e) => {
      if (e.system === 'risk-scoring' && e.outcome === 'unavailable') stack.clearFaults();
    });
    await stack.resetStats();
    let payload: Payload | undefined;
    try {
      ({ payload } = await onboard(applicant()));
    } finally {
      stop();
    }
    expect(payload?.journey.status).toBe('COMPLETED');
    expect((await stack.stats())['risk-scoring'].routes['POST /v1/scores']).toBe(2);
    const record = await stack.journeys.engine.get(payload!.journey.id);
    const step = record!.state.assessRisk as { scoreId: string; score: number };
    // The score made by the lost attempt is the one the journey holds, and the only one the customer has: the score
    // made just before it (ids run in order) is someone else's, where a second scoring would have left two.
    const risk = stack.journeys.deps.riskScoring;
    expect(await risk.latestScore(payload!.customer!.id)).toMatchObject({ scoreId: step.scoreId, score: step.score });
    const previous = `rsk_${String(Number(step.scoreId.slice(4)) - 1).padStart(4, '0')}`;
    expect((await risk.getScore(previous)).customerId).not.toBe(payload!.customer!.id);
  });

  it('undoes the client when core banking fails after the client was created', async () => {
    stack.fault('core-banking', { route: 'POST /fineract-provider/api/v1/savingsaccounts', errorRate: 1 });
    const { answer, payload } = await onboard(applicant());
    expect(answer.body.errors).toBeUndefined();
    // The failures open core banking's breaker, so undoing the client waits for it to half-open: seconds, which a
    // loaded machine can stretch past the mutation's wait (it then answers RUNNING). The outcome is what counts.
    const record = await settled(stack, payload!.journey.id, 30_000);
    expect(record.status).toBe('COMPENSATED');
    expect(record.errorCode).toBe('UPSTREAM_UNAVAILABLE');
    expect(stepStatuses(record)).toMatchObject({ createCoreBankingClient: 'COMPENSATED', openAccount: 'FAILED' });
    const customerId = (record.state.createKycApplicant as { customerId: string }).customerId;
    const client = await stack.journeys.deps.coreBanking.findClientByCustomerId(customerId);
    expect(client?.status).toBe('CLOSED');
    const openAttempts = record.steps.find((s) => s.name === 'openAccount')!.attempts;
    expect(openAttempts.length).toBeGreaterThan(1); // retried before giving up
  }, 60_000);

  it('lets only staff onboard, and checks the applicant before anything starts', async () => {
    const asCustomer = await onboard(applicant(), key(), await stack.customerToken('cust-0001'));
    expect(asCustomer.answer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await stack.resetStats();
    for (const [input, field] of [
      [applicant({ email: 'not-an-email' }), 'email'],
      [applicant({ dateOfBirth: '2015-01-01' }), 'dateOfBirth'],
      [applicant({ product: 'GOLD_BARS' }), 'product'],
      [applicant({ firstName: ' ' }), 'firstName'],
      // A card product the card processor is not configured for: refused before the client is opened, not at the card.
      [applicant({ cardProduct: 'PLATINUM' }), 'cardProduct'],
    ] as const) {
      const { answer } = await onboard(input);
      expect(answer.body.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const stats = await stack.stats();
    expect(Object.values(stats).reduce((a, s) => a + s.total, 0)).toBe(0);
  });

  it('shows the journey to the staff member who started it', async () => {
    const { payload } = await onboard(applicant());
    const seen = await eventually('journey visible', async () => {
      const r = await stack.graphql(journeyOperation('Journey'), { id: payload!.journey.id }, staff);
      return (r.body.data?.journey as { status: string } | null) ?? undefined;
    });
    expect(seen.status).toBe('COMPLETED');
  });
});

describe('onboardCustomer: an account command whose outcome stays unknown', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Short legacy deadlines, so four timed-out attempts take a second, not eight.
    stack = await startStack({ connectors: { 'core-banking': { timeoutMs: 200 } } });
  });
  afterAll(() => stack?.stop());

  it('asks core banking what became of the approval and undoes the opening, instead of paging a person', async () => {
    // Every approval times out before core banking acts on it: the account stays SUBMITTED. (The fault covers all
    // account commands, the undo's withdrawal too: it is lifted once the approval has run out of attempts.)
    stack.fault('core-banking', { route: 'POST /fineract-provider/api/v1/savingsaccounts/:savingsId', timeoutRate: 1 });
    const { engine, flows } = stack.journeys;
    const started = await engine.start(flows.onboardCustomer as never, {
      principal: { kind: 'staff', staffId: 'staff-ops-1', role: 'operations' },
      idempotencyKey: `onboard-unknown-${Date.now()}`,
      input: applicant(),
      waitMs: 0,
    });
    await eventually('the approval to run out of attempts', async () => {
      const approve = (await engine.get(started.id))?.steps.find((s) => s.name === 'approveAccount');
      return (approve?.attempts.filter((a) => a.kind === 'run').length ?? 0) >= 4 ? true : undefined;
    });
    stack.clearFaults();
    const record = await settled(stack, started.id);
    expect(record.status).toBe('COMPENSATED');
    const approve = record.steps.find((s) => s.name === 'approveAccount')!;
    expect(approve.attempts.map((a) => a.kind)).toContain('recover');
    const accountId = (record.state.openAccount as { accountId: string }).accountId;
    expect(await stack.journeys.deps.coreBanking.getAccountStatus(accountId)).not.toBe('SUBMITTED');
  });
});
