import { DASHBOARD, journeyOperation } from '../test/support/operations.js';
import type { Stack } from '../test/support/stack.js';

/**
 * What the conformance run makes the system do, through the gateway as a client would: every use bankgraph makes
 * of each legacy system. Each scenario reports what it expected of the graph; a scenario that fails is reported
 * (its exchanges are still checked), since a connector that breaks its vendor's API may well fail its journey.
 */

export interface ScenarioResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const SEND = journeyOperation('SendInternationalPayment');
const ONBOARD = journeyOperation('OnboardCustomer');
const ISSUE = journeyOperation('IssueCard');
const FREEZE = journeyOperation('FreezeCard');
const UNFREEZE = journeyOperation('UnfreezeCard');
const CONVERT = journeyOperation('ConvertCurrency');
const JOURNEY = journeyOperation('Journey');

const TERMINAL = new Set(['COMPLETED', 'COMPENSATED', 'REJECTED', 'NEEDS_ATTENTION', 'FAILED']);

let n = 0;
const key = (what: string) => `conformance-${what}-${process.pid}-${Date.now()}-${++n}`;

function payment(amount: string, currency: string, iban: string, country: string, bic: string) {
  return {
    sourceAccountId: 'acc-5001',
    amount: { amount, currency },
    beneficiary: { name: 'Jane Beneficiary', iban, bic, country },
    remittance: 'conformance run',
  };
}

type Journeyish = { journey?: { id: string; status: string } };

export async function runScenarios(stack: Stack): Promise<ScenarioResult[]> {
  const customer = await stack.customerToken('cust-0001');
  const staff = await stack.staffToken('operations');
  const results: ScenarioResult[] = [];
  const journeyIds: string[] = [];

  const record = (name: string, ok: boolean, detail: string) => results.push({ name, ok, detail });
  const mutation = async (name: string, query: string, field: string, variables: Record<string, unknown>, token: string, expected: readonly string[]) => {
    const answer = await stack.graphql(query, variables, token);
    const payload = answer.body.data?.[field] as Journeyish | undefined;
    const status = payload?.journey?.status ?? 'none';
    if (payload?.journey?.id) journeyIds.push(payload.journey.id);
    record(name, expected.includes(status), `journey ${status}${answer.body.errors ? `, errors ${JSON.stringify(answer.body.errors.map((e) => e.extensions?.code ?? e.message))}` : ''}`);
    return payload;
  };

  for (const id of ['cust-0001', 'cust-0002', 'cust-0003', 'cust-0024']) {
    const answer = await stack.graphql(DASHBOARD, { currency: 'EUR' }, await stack.customerToken(id));
    const errors = answer.body.errors ?? [];
    record(`dashboard ${id}`, errors.length === 0 && answer.body.data?.me != null, errors.length ? `errors ${JSON.stringify(errors.map((e) => e.extensions?.code ?? e.message))}` : 'complete');
  }
  await mutation('payment EUR to DE (instant rail)', SEND, 'sendInternationalPayment', { idempotencyKey: key('pay'), input: payment('25.00', 'EUR', 'DE75512108001245126199', 'DE', 'DEUTDEFF') }, customer, ['COMPLETED', 'RUNNING']);
  await mutation('payment USD to GB (FX, correspondent rail)', SEND, 'sendInternationalPayment', { idempotencyKey: key('pay-fx'), input: payment('100.00', 'USD', 'GB82WEST12345698765432', 'GB', 'NWBKGB2L') }, customer, ['COMPLETED', 'RUNNING']);
  await mutation('payment the rail rejects (AC01)', SEND, 'sendInternationalPayment', { idempotencyKey: key('pay-rjct'), input: payment('10.00', 'EUR', 'DE89370400440532013000', 'DE', 'COBADEFF') }, customer, ['REJECTED', 'RUNNING']);
  await mutation('currency conversion', CONVERT, 'convertCurrency', { idempotencyKey: key('fx'), input: { sellAmount: { amount: '10.00', currency: 'EUR' }, buy: 'USD' } }, customer, ['COMPLETED', 'RUNNING']);
  await mutation(
    'onboarding',
    ONBOARD,
    'onboardCustomer',
    {
      idempotencyKey: key('onboard'),
      input: { firstName: 'Noah', lastName: 'Keller', email: `noah.keller+${n}@example.com`, phone: '+49 30 5550100', dateOfBirth: '1990-05-17', country: 'DE', product: 'EUR_CURRENT' },
    },
    staff,
    ['COMPLETED', 'RUNNING'],
  );
  await mutation('issue a virtual card', ISSUE, 'issueCard', { idempotencyKey: key('issue'), input: { product: 'DEBIT_VIRTUAL' } }, customer, ['COMPLETED', 'RUNNING']);
  await mutation('freeze a card', FREEZE, 'freezeCard', { idempotencyKey: key('freeze'), cardId: 'crd_000101' }, customer, ['COMPLETED', 'RUNNING']);
  await mutation('unfreeze a card', UNFREEZE, 'unfreezeCard', { idempotencyKey: key('unfreeze'), cardId: 'crd_000101' }, customer, ['COMPLETED', 'RUNNING']);

  // Background steps (settlement, notifications, fulfilment) talk to the systems after the answer: wait for them.
  const deadline = Date.now() + 30_000;
  for (const id of journeyIds) {
    for (;;) {
      const answer = await stack.graphql(JOURNEY, { id }, staff);
      const journey = answer.body.data?.journey as { status: string; steps: { status: string }[] } | null | undefined;
      const busy = !journey || !TERMINAL.has(journey.status) || journey.steps.some((s) => s.status === 'RUNNING' || s.status === 'QUEUED' || s.status === 'PENDING');
      if (!busy || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return results;
}
