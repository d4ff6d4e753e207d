import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { DASHBOARD } from '../support/operations.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

interface MoneyOut {
  amount: string;
  currency: string;
}
interface DashboardOut {
  me: {
    id: string;
    profile: Record<string, string | null>;
    accounts: {
      id: string;
      number: string;
      name: string;
      currency: string;
      status: string;
      openedOn: string;
      balance: MoneyOut;
      availableBalance: MoneyOut;
      transactions: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: { id: string; type: string; bookedOn: string; amount: MoneyOut; runningBalance: MoneyOut | null }[];
      };
    }[];
    cards: { id: string; last4: string; expiry: string; status: string; scheme: string; dailyLimit: MoneyOut | null }[];
    kyc: { status: string; riskScore: number; riskLevel: string; lastCheckedAt: string };
    wallet: { id: string; pockets: MoneyOut[]; total: MoneyOut };
  };
}

describe('the unified dashboard for cust-0001', () => {
  let stack: Stack;
  let answer: Awaited<ReturnType<Stack['graphql']>>;
  let me: DashboardOut['me'];

  beforeAll(async () => {
    stack = await startStack();
    answer = await stack.graphql(DASHBOARD, { currency: 'EUR', transactions: 5 }, await stack.customerToken('cust-0001'));
    me = (answer.body.data as unknown as DashboardOut).me;
  });
  afterAll(() => stack?.stop());

  it('answers in one request without errors', () => {
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(me.id).toBe('cust-0001');
  });

  it('returns the profile from core banking, dates in ISO 8601', () => {
    expect(me.profile).toEqual({
      displayName: 'Amelia Hartmann',
      firstName: 'Amelia',
      lastName: 'Hartmann',
      email: 'amelia.hartmann@example.com',
      phone: '+49 30 1234567',
      dateOfBirth: '1988-04-12',
      status: 'ACTIVE',
      customerSince: '2019-03-01',
    });
  });

  it('returns the accounts with balances converted exactly from the legacy floats', () => {
    const byId = Object.fromEntries(me.accounts.map((a) => [a.id, a]));
    expect(Object.keys(byId).sort()).toEqual(['acc-5001', 'acc-5002', 'acc-5003']);
    expect(byId['acc-5001']).toMatchObject({
      number: '000005001',
      name: 'Everyday Current',
      currency: 'EUR',
      status: 'ACTIVE',
      openedOn: '2019-03-01',
      balance: { amount: '2450.75', currency: 'EUR' },
      availableBalance: { amount: '2400.75', currency: 'EUR' },
    });
    expect(byId['acc-5002']?.balance).toEqual({ amount: '1200.00', currency: 'GBP' });
    expect(byId['acc-5002']?.openedOn).toBe('2020-07-15');
    expect(byId['acc-5003']?.balance).toEqual({ amount: '310.40', currency: 'USD' });
    expect(byId['acc-5003']?.openedOn).toBe('2023-11-02');
  });

  it('returns recent transactions newest first, paged', () => {
    const current = me.accounts.find((a) => a.id === 'acc-5001');
    expect(current?.transactions.totalCount).toBe(30);
    expect(current?.transactions.pageInfo.hasNextPage).toBe(true);
    expect(current?.transactions.nodes).toHaveLength(5);
    const [newest, second] = current?.transactions.nodes ?? [];
    expect(newest?.bookedOn).toBe('2026-10-01');
    expect(second?.bookedOn).toBe('2026-09-30');
    const amounts = new Set(current?.transactions.nodes.map((t) => t.amount.amount));
    expect(amounts).toEqual(new Set(['100.50', '20.25']));
    for (const t of current?.transactions.nodes ?? []) expect(t.bookedOn).toMatch(ISO_DATE);
  });

  it('returns cards with the last four digits only', () => {
    const cards = Object.fromEntries(me.cards.map((c) => [c.id, c]));
    expect(cards['crd_000101']).toMatchObject({ last4: '1111', expiry: '2028-09', status: 'ACTIVE', scheme: 'VISA' });
    expect(cards['crd_000101']?.dailyLimit).toEqual({ amount: '2500.00', currency: 'EUR' });
    expect(cards['crd_000102']).toMatchObject({ last4: '4444', expiry: '2027-03', status: 'FROZEN', scheme: 'MASTERCARD' });
    const text = JSON.stringify(answer.body);
    expect(text).not.toContain('4111111111111111');
    expect(text).not.toContain('5555555555554444');
  });

  it('returns the KYC standing', () => {
    expect(me.kyc).toEqual({ status: 'CLEARED', riskScore: 12, riskLevel: 'LOW', lastCheckedAt: '2025-06-01T10:00:00.000Z' });
    expect(me.kyc.lastCheckedAt).toMatch(ISO_DATE_TIME);
  });

  it('returns the wallet pockets and their exact total in EUR', () => {
    expect(me.wallet.pockets).toEqual(
      expect.arrayContaining([
        { amount: '1500.00', currency: 'EUR' },
        { amount: '820.50', currency: 'USD' },
        { amount: '240.00', currency: 'GBP' },
        { amount: '12000', currency: 'JPY' },
      ]),
    );
    // Each pocket is converted exactly (amount / ECB rate, as a fraction, nothing rounded), the exact values are
    // added, and the sum is rounded to cents once, half to even:
    //   EUR 1500.00                              = 1500.000000...
    //   USD 820.50 / 1.0842                      =  756.779192...
    //   GBP 240.00 / 0.8531                      =  281.326925...
    //   JPY 12000  / 162.35                      =   73.914382...
    //   sum 2612.020500... -> 2612.02
    expect(me.wallet.total).toEqual({ amount: '2612.02', currency: 'EUR' });
  });
});
