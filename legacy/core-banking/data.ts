import { CoreBankingStore, type SavingsRecord } from './store.js';
import type { TransactionTypeId } from './dialect.js';

/**
 * The deterministic sandbox of legacy/SANDBOX.md, built fresh for each simulator so tests never see each other's
 * writes. Customer N (cust-000N) is client 1000 + N with externalId cust-000N. Savings ids are handed out in
 * customer order from 5001, so cust-0001 owns 5001-5003, cust-0002 owns 5004, cust-0003 owns 5005-5054, and so on.
 */

export const CUSTOMER_COUNT = 24;

/** Made-up names; cust-0001 is fixed by SANDBOX.md. */
const NAMES: readonly (readonly [string, string])[] = [
  ['Amelia', 'Hartmann'], ['Jonas', 'Becker'], ['Sofia', 'Rossi'], ['Liam', 'Murphy'],
  ['Chloe', 'Dubois'], ['Mateo', 'Garcia'], ['Freya', 'Lindqvist'], ['Noah', 'Jansen'],
  ['Elena', 'Popescu'], ['Lukas', 'Novak'], ['Isla', 'Macleod'], ['Hugo', 'Lefevre'],
  ['Maja', 'Kowalska'], ['Oscar', 'Nilsson'], ['Clara', 'Weber'], ['Leon', 'Fischer'],
  ['Nora', 'Haugen'], ['Theo', 'Martin'], ['Alba', 'Fernandez'], ['Finn', 'Schmidt'],
  ['Zoe', 'Papadopoulos'], ['Emil', 'Horvath'], ['Lina', 'Costa'], ['Arthur', 'Peeters'],
];

export function customerId(n: number): string {
  return `cust-${String(n).padStart(4, '0')}`;
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The date `days` before `iso`. */
function daysBefore(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

interface SeedAccount {
  readonly productId: 1 | 2 | 3;
  readonly balance: number;
  readonly available: number;
  readonly activated: string;
}

/** The accounts of customer N, in savings id order. */
function accountsOf(n: number, since: string): SeedAccount[] {
  if (n === 1) {
    return [
      { productId: 1, balance: 245075, available: 240075, activated: '2019-03-01' },
      { productId: 2, balance: 120000, available: 120000, activated: '2020-07-15' },
      { productId: 3, balance: 31040, available: 31040, activated: '2023-11-02' },
    ];
  }
  const eurCount = ({ 2: 1, 3: 50, 4: 10, 5: 100 } as Record<number, number>)[n] ?? 1;
  const accounts: SeedAccount[] = [];
  for (let k = 0; k < eurCount; k++) {
    const balance = 100_000 + n * 1025 + k * 37;
    accounts.push({ productId: 1, balance, available: balance, activated: since });
  }
  if (n % 2 === 0 && eurCount === 1 && n !== 2) {
    const balance = 50_000 + n * 550;
    accounts.push({ productId: 2, balance, available: balance, activated: since });
  }
  return accounts;
}

interface SeedTransaction {
  readonly type: TransactionTypeId;
  readonly date: string;
  readonly amount: number;
  /** Undone after booking: in the history, without effect on the balance. */
  readonly reversed?: true;
}

/** Transactions of a seeded account, oldest first, ending at its balance. */
function historyOf(savingsId: number, balance: number): SeedTransaction[] {
  if (savingsId === 5001) {
    // 30 days back from 2026-10-01, newest a deposit of 100.50, alternating with withdrawals of 20.25.
    const newestFirst = Array.from({ length: 30 }, (_, i) => ({
      type: (i % 2 === 0 ? 1 : 2) as TransactionTypeId,
      date: daysBefore('2026-10-01', i),
      amount: i % 2 === 0 ? 10050 : 2025,
    }));
    return newestFirst.reverse();
  }
  // An opening deposit, a fee and an interest posting that bring the balance to the seeded one. Account 5002 also
  // has a withdrawal of 50.00 that was undone: the sandbox's one reversed transaction.
  return [
    { type: 1, date: '2026-09-01', amount: balance + 125 },
    { type: 4, date: '2026-09-15', amount: 250 },
    ...(savingsId === 5002 ? [{ type: 2, date: '2026-09-20', amount: 5000, reversed: true } as const] : []),
    { type: 3, date: '2026-10-01', amount: 125 },
  ];
}

function openingBalance(balance: number, history: readonly SeedTransaction[]): number {
  return history.reduce((b, t) => (t.reversed ? b : t.type === 1 || t.type === 3 ? b - t.amount : b + t.amount), balance);
}

export function buildSandbox(): CoreBankingStore {
  const store = new CoreBankingStore();
  for (let n = 1; n <= CUSTOMER_COUNT; n++) {
    const [firstname, lastname] = NAMES[n - 1] ?? ['Customer', String(n)];
    const since = n === 1 ? '2019-03-01' : isoDate(2015 + (n % 9), ((n * 5) % 12) + 1, (n % 28) + 1);
    const client = store.addClient({
      externalId: customerId(n),
      firstname,
      lastname,
      emailAddress: `${firstname.toLowerCase()}.${lastname.toLowerCase()}@example.com`,
      mobileNo: n === 1 ? '+49 30 1234567' : `+49 30 ${1_000_000 + n * 1111}`,
      dateOfBirth: n === 1 ? '1988-04-12' : isoDate(1960 + ((n * 7) % 40), (n % 12) + 1, ((n * 3) % 28) + 1),
      status: 300,
      submittedOnDate: since,
      activationDate: since,
      closedOnDate: null,
      closureReasonId: null,
    });
    for (const seed of accountsOf(n, since)) {
      const account: SavingsRecord = store.addSavings({
        clientId: client.id,
        productId: seed.productId,
        externalId: null,
        status: 300,
        balance: 0,
        onHold: seed.balance - seed.available,
        submittedOnDate: seed.activated,
        approvedOnDate: seed.activated,
        activatedOnDate: seed.activated,
        rejectedOnDate: null,
        closedOnDate: null,
      });
      const history = historyOf(account.id, seed.balance);
      account.balance = openingBalance(seed.balance, history);
      for (const { reversed, ...t } of history) {
        const txn = store.post(account, { ...t, submittedOnDate: t.date });
        if (reversed) store.reverse(account, txn);
      }
      if (account.balance !== seed.balance) throw new Error(`sandbox account ${account.id} does not add up`);
    }
  }
  return store;
}
