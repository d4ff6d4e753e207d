import {
  clientStatus,
  currencyData,
  dateArray,
  dateArrayOrNull,
  savingsStatus,
  toFloat,
  transactionType,
} from './dialect.js';
import { OFFICE, PAYMENT_TYPES, product, type ClientRecord, type CoreBankingStore, type SavingsRecord, type TransactionRecord } from './store.js';

/**
 * How Fineract shows its resources on the wire. Like Fineract (Gson), fields whose value is null are left out.
 */

function withoutNulls<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

export function clientView(c: ClientRecord) {
  return withoutNulls({
    id: c.id,
    accountNo: c.accountNo,
    externalId: c.externalId,
    status: clientStatus(c.status),
    subStatus: { active: false, mandatory: false },
    active: c.status === 300,
    activationDate: dateArrayOrNull(c.activationDate),
    firstname: c.firstname,
    lastname: c.lastname,
    displayName: `${c.firstname} ${c.lastname}`,
    mobileNo: c.mobileNo,
    emailAddress: c.emailAddress,
    dateOfBirth: dateArrayOrNull(c.dateOfBirth),
    isStaff: false,
    officeId: OFFICE.id,
    officeName: OFFICE.name,
    legalForm: { id: 1, code: 'legalFormType.person', value: 'PERSON' },
    timeline: withoutNulls({
      submittedOnDate: dateArray(c.submittedOnDate),
      submittedByUsername: 'mifos',
      activatedOnDate: dateArrayOrNull(c.activationDate),
      activatedByUsername: c.activationDate === null ? null : 'mifos',
      closedOnDate: dateArrayOrNull(c.closedOnDate),
      closedByUsername: c.closedOnDate === null ? null : 'mifos',
    }),
    groups: [],
  });
}

function timeline(a: SavingsRecord) {
  return withoutNulls({
    submittedOnDate: dateArray(a.submittedOnDate),
    submittedByUsername: 'mifos',
    approvedOnDate: dateArrayOrNull(a.approvedOnDate),
    approvedByUsername: a.approvedOnDate === null ? null : 'mifos',
    rejectedOnDate: dateArrayOrNull(a.rejectedOnDate),
    rejectedByUsername: a.rejectedOnDate === null ? null : 'mifos',
    activatedOnDate: dateArrayOrNull(a.activatedOnDate),
    closedOnDate: dateArrayOrNull(a.closedOnDate),
  });
}

/**
 * An account as listed under its client (SavingsAccountSummaryData): `accountBalance`, but no available balance (that
 * is only in the account's own summary, GET /savingsaccounts/{id}).
 */
export function savingsSummaryView(a: SavingsRecord) {
  const p = product(a.productId);
  return withoutNulls({
    id: a.id,
    accountNo: a.accountNo,
    externalId: a.externalId,
    productId: p.id,
    productName: p.name,
    shortProductName: p.shortName,
    status: savingsStatus(a.status),
    currency: currencyData(p.currency),
    accountBalance: toFloat(a.balance),
    accountType: { id: 1, code: 'accountType.individual', value: 'Individual' },
    timeline: timeline(a),
    depositType: { id: 100, code: 'depositAccountType.savingsDeposit', value: 'Savings' },
  });
}

/**
 * GET /savingsaccounts/{id}; with `associations=transactions`, every transaction of the account too, newest first
 * (transaction date, then id, descending), reversed ones included, as Fineract's retrieveAllTransactions lists them.
 */
export function savingsView(a: SavingsRecord, store: CoreBankingStore, options: { readonly transactions?: boolean } = {}) {
  const p = product(a.productId);
  const client = store.clients.get(a.clientId);
  const txns = store.transactionsOf(a.id);
  // Reversed transactions moved no money: the totals leave them out, as Fineract's summary does.
  const sum = (...types: number[]) => toFloat(txns.filter((t) => !t.reversed && types.includes(t.type)).reduce((s, t) => s + t.amount, 0));
  return withoutNulls({
    id: a.id,
    accountNo: a.accountNo,
    externalId: a.externalId,
    depositType: { id: 100, code: 'depositAccountType.savingsDeposit', value: 'Savings' },
    clientId: a.clientId,
    clientName: client ? `${client.firstname} ${client.lastname}` : null,
    savingsProductId: p.id,
    savingsProductName: p.name,
    fieldOfficerId: 0,
    status: savingsStatus(a.status),
    timeline: timeline(a),
    currency: currencyData(p.currency),
    nominalAnnualInterestRate: 0,
    allowOverdraft: false,
    enforceMinRequiredBalance: false,
    onHoldFunds: toFloat(a.onHold),
    summary: {
      currency: currencyData(p.currency),
      totalDeposits: sum(1),
      totalWithdrawals: sum(2),
      totalInterestPosted: sum(3),
      totalWithdrawalFees: sum(4),
      accountBalance: toFloat(a.balance),
      availableBalance: toFloat(a.balance - a.onHold),
    },
    transactions: options.transactions
      ? [...txns].sort((x, y) => y.date.localeCompare(x.date) || y.id - x.id).map((t) => transactionView(t, a))
      : null,
  });
}

function paymentDetailView(d: NonNullable<TransactionRecord['paymentDetail']>) {
  const type = PAYMENT_TYPES.get(d.paymentTypeId);
  return withoutNulls({
    id: d.id,
    paymentType: type ? { id: type.id, name: type.name, description: type.description, isCashPayment: type.id === 2 } : { id: d.paymentTypeId },
    receiptNumber: d.receiptNumber,
  });
}

export function transactionView(t: TransactionRecord, account: SavingsRecord) {
  return withoutNulls({
    id: t.id,
    transactionType: transactionType(t.type),
    accountId: t.savingsId,
    accountNo: account.accountNo,
    date: dateArray(t.date),
    currency: currencyData(product(account.productId).currency),
    amount: toFloat(t.amount),
    runningBalance: toFloat(t.runningBalance),
    reversed: t.reversed,
    paymentDetailData: t.paymentDetail === null ? null : paymentDetailView(t.paymentDetail),
    submittedOnDate: dateArray(t.submittedOnDate),
    interestedPostedAsOn: false,
    submittedByUsername: 'mifos',
    isManualTransaction: false,
    lienTransaction: false,
  });
}
