import type { ClientStatusId, CurrencyCode, SavingsStatusId, TransactionTypeId } from './dialect.js';

/**
 * The core banking system's state: clients, savings accounts and their transactions. Amounts are integer minor
 * units, dates ISO strings ("2024-01-31"); the wire dialect is applied only by the routes.
 */

export interface ClientRecord {
  readonly id: number;
  readonly accountNo: string;
  readonly externalId: string | null;
  readonly firstname: string;
  readonly lastname: string;
  readonly emailAddress: string | null;
  readonly mobileNo: string | null;
  readonly dateOfBirth: string | null;
  status: ClientStatusId;
  readonly submittedOnDate: string;
  activationDate: string | null;
  closedOnDate: string | null;
  /** A code value of CLIENT_CLOSURE_REASONS once closed. */
  closureReasonId: number | null;
}

export interface SavingsRecord {
  readonly id: number;
  readonly accountNo: string;
  readonly clientId: number;
  readonly productId: number;
  readonly externalId: string | null;
  status: SavingsStatusId;
  /** Ledger balance, minor units. */
  balance: number;
  /** Funds on hold: available balance = balance - onHold. */
  onHold: number;
  readonly submittedOnDate: string;
  approvedOnDate: string | null;
  activatedOnDate: string | null;
  rejectedOnDate: string | null;
  closedOnDate: string | null;
}

export interface TransactionRecord {
  readonly id: number;
  readonly savingsId: number;
  readonly type: TransactionTypeId;
  /** The business date of the transaction. */
  readonly date: string;
  readonly amount: number;
  /** The balance after it; recomputed when an earlier transaction is undone. */
  runningBalance: number;
  /**
   * Fineract's payment details (m_payment_detail): the payment type and the receipt number a writer may give with a
   * deposit or withdrawal. Savings transactions have no externalId in Fineract; bankgraph's reference goes here.
   */
  readonly paymentDetail: PaymentDetailRecord | null;
  /** The system date it was entered on. */
  readonly submittedOnDate: string;
  /** Undone (POST .../transactions/{id}?command=undo): kept in the history, without effect on the balance. */
  reversed: boolean;
}

export interface PaymentDetailRecord {
  readonly id: number;
  readonly paymentTypeId: number;
  readonly receiptNumber: string | null;
}

export interface Product {
  readonly id: number;
  readonly name: string;
  readonly shortName: string;
  readonly currency: CurrencyCode;
}

export const PRODUCTS: ReadonlyMap<number, Product> = new Map([
  [1, { id: 1, name: 'Everyday Current', shortName: 'EVC', currency: 'EUR' }],
  [2, { id: 2, name: 'Easy Saver', shortName: 'EZS', currency: 'GBP' }],
  [3, { id: 3, name: 'Dollar Account', shortName: 'USD', currency: 'USD' }],
]);

/** The code values of Fineract's ClientClosureReason code (the `closureReasonId` of a client close). */
export const CLIENT_CLOSURE_REASONS: ReadonlyMap<number, string> = new Map([
  [31, 'Onboarding not completed'],
  [32, 'Customer request'],
  [33, 'Other'],
]);

export const OFFICE = { id: 1, name: 'Head Office' } as const;

/** The installation's payment types (GET /paymenttypes); a deposit or withdrawal may name one with its receipt number. */
export const PAYMENT_TYPES: ReadonlyMap<number, { readonly id: number; readonly name: string; readonly description: string }> = new Map([
  [1, { id: 1, name: 'Money Transfer', description: 'Transfers and card settlements' }],
  [2, { id: 2, name: 'Cash', description: 'Over the counter' }],
  [3, { id: 3, name: 'Digital Journey', description: 'Movements booked by the bank\'s journeys (bankgraph)' }],
]);

export function product(id: number): Product {
  const p = PRODUCTS.get(id);
  if (!p) throw new Error(`unknown product ${id}`);
  return p;
}

export function padAccountNo(id: number): string {
  return String(id).padStart(9, '0');
}

export class CoreBankingStore {
  readonly clients = new Map<number, ClientRecord>();
  readonly savings = new Map<number, SavingsRecord>();
  private readonly clientsByExternalId = new Map<string, ClientRecord>();
  private readonly savingsByExternalId = new Map<string, SavingsRecord>();
  private readonly savingsByClient = new Map<number, SavingsRecord[]>();
  private readonly transactions = new Map<number, TransactionRecord[]>();
  private readonly transactionsById = new Map<number, TransactionRecord>();
  private nextClientId = 1001;
  private nextSavingsId = 5001;
  private nextTransactionId = 100001;
  private nextPaymentDetailId = 1;
  /**
   * Fineract's idempotency store (m_portfolio_command_source): the answer of each command sent with an
   * Idempotency-Key, by action, entity and key. A repeat is answered from here, with `x-served-from-cache: true`.
   */
  readonly idempotentAnswers = new Map<string, { readonly status: number; readonly json: unknown }>();

  clientByExternalId(externalId: string): ClientRecord | undefined {
    return this.clientsByExternalId.get(externalId);
  }

  savingsByExternalIdOf(externalId: string): SavingsRecord | undefined {
    return this.savingsByExternalId.get(externalId);
  }

  savingsOfClient(clientId: number): readonly SavingsRecord[] {
    return this.savingsByClient.get(clientId) ?? [];
  }

  transactionsOf(savingsId: number): readonly TransactionRecord[] {
    return this.transactions.get(savingsId) ?? [];
  }

  transactionById(id: number): TransactionRecord | undefined {
    return this.transactionsById.get(id);
  }

  addClient(fields: Omit<ClientRecord, 'id' | 'accountNo'>): ClientRecord {
    const id = this.nextClientId++;
    const client: ClientRecord = { ...fields, id, accountNo: padAccountNo(id) };
    this.clients.set(id, client);
    if (client.externalId !== null) this.clientsByExternalId.set(client.externalId, client);
    return client;
  }

  addSavings(fields: Omit<SavingsRecord, 'id' | 'accountNo'>): SavingsRecord {
    const id = this.nextSavingsId++;
    const account: SavingsRecord = { ...fields, id, accountNo: padAccountNo(id) };
    this.savings.set(id, account);
    if (account.externalId !== null) this.savingsByExternalId.set(account.externalId, account);
    const list = this.savingsByClient.get(account.clientId) ?? [];
    list.push(account);
    this.savingsByClient.set(account.clientId, list);
    return account;
  }

  /** Books a transaction and moves the balance: deposits and interest in, withdrawals and fees out. */
  post(
    account: SavingsRecord,
    fields: {
      type: TransactionTypeId;
      date: string;
      amount: number;
      payment?: { readonly paymentTypeId: number; readonly receiptNumber: string | null } | null;
      submittedOnDate: string;
    },
  ): TransactionRecord {
    const { payment, ...rest } = fields;
    account.balance += effectOf(fields);
    const paymentDetail = payment ? { id: this.nextPaymentDetailId++, ...payment } : null;
    const txn: TransactionRecord = { ...rest, paymentDetail, id: this.nextTransactionId++, savingsId: account.id, runningBalance: account.balance, reversed: false };
    const list = this.transactions.get(account.id) ?? [];
    list.push(txn);
    this.transactions.set(account.id, list);
    this.transactionsById.set(txn.id, txn);
    return txn;
  }

  /**
   * Undoes a transaction as Fineract does: it stays, flagged reversed, and the balance moves back. Its running balance
   * becomes the one before it, and every later transaction's running balance loses its effect.
   */
  reverse(account: SavingsRecord, txn: TransactionRecord): void {
    const effect = effectOf(txn);
    txn.reversed = true;
    account.balance -= effect;
    for (const t of this.transactionsOf(account.id)) if (t.id >= txn.id) t.runningBalance -= effect;
  }
}

/** What a transaction does to the balance: deposits and interest add, withdrawals and fees take away. */
function effectOf(t: { type: TransactionTypeId; amount: number }): number {
  return t.type === 1 || t.type === 3 ? t.amount : -t.amount;
}
