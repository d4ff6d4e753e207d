import {
  errorItem,
  invalidParam,
  isoDay,
  notFound,
  objectBody,
  parseAmount,
  refused,
  requireDate,
  validation,
  type TransactionTypeId,
} from './dialect.js';
import { commandAction, idempotent } from './idempotency.js';
import { numericId, type RouteTable } from './router.js';
import type { RouteContext } from './routes-clients.js';
import { savingsById } from './routes-savings.js';
import { OFFICE, PAYMENT_TYPES, type CoreBankingStore, type SavingsRecord, type TransactionRecord } from './store.js';
import { transactionView } from './views.js';

const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 200;

function nonNegativeInt(text: string | null, name: string, fallback: number): number {
  if (text === null || text === '') return fallback;
  if (!/^\d{1,9}$/.test(text)) throw invalidParam('savingsaccount.transaction', name, 'invalid', `The parameter \`${name}\` must be a non-negative whole number.`, text);
  return Number(text);
}

const COMMANDS: Record<string, TransactionTypeId> = { deposit: 1, withdrawal: 2 };

/**
 * The parameters a deposit or withdrawal accepts (SavingsAccountConstant's SAVINGS_ACCOUNT_TRANSACTION_REQUEST_DATA_
 * PARAMETERS); anything else is refused as unsupported, as Fineract's FromJsonHelper does. There is no externalId.
 */
const TRANSACTION_PARAMETERS = new Set([
  'locale',
  'dateFormat',
  'transactionDate',
  'transactionAmount',
  'paymentTypeId',
  'accountNumber',
  'checkNumber',
  'routingCode',
  'receiptNumber',
  'bankNumber',
  'retailEntries',
  'childAccountId',
  'note',
]);

/** The payment-detail columns are 50 characters wide (m_payment_detail). */
const MAX_DETAIL_LENGTH = 50;

function unsupportedParameters(body: Record<string, unknown>): void {
  const unknown = Object.keys(body).filter((k) => !TRANSACTION_PARAMETERS.has(k));
  if (unknown.length === 0) return;
  throw validation(unknown.map((name) => errorItem('error.msg.parameter.unsupported', `The parameter ${name} is not supported.`, name)));
}

/** The payment details of a deposit or withdrawal: none without a paymentTypeId (Fineract keeps none then). */
function paymentOf(body: Record<string, unknown>): { paymentTypeId: number; receiptNumber: string | null } | null {
  const receipt = body.receiptNumber;
  if (receipt !== undefined && receipt !== null && (typeof receipt !== 'string' || receipt.length > MAX_DETAIL_LENGTH)) {
    throw validation([
      errorItem(
        'validation.msg.savingsaccount.transaction.receiptNumber.exceeds.max.length',
        `The parameter \`receiptNumber\` exceeds max length of ${MAX_DETAIL_LENGTH}.`,
        'receiptNumber',
        receipt,
      ),
    ]);
  }
  const typeId = body.paymentTypeId;
  if (typeId === undefined || typeId === null || typeId === '') return null;
  const id = Number(typeId);
  if (!PAYMENT_TYPES.has(id)) throw notFound('error.msg.payment.type.invalid', `Payment Type with identifier ${String(typeId)} does not exist`, 'paymentTypeId', typeId);
  return { paymentTypeId: id, receiptNumber: typeof receipt === 'string' && receipt.trim() !== '' ? receipt.trim() : null };
}

export function transactionRoutes(routes: RouteTable, { store, now }: RouteContext): void {
  routes
    // The installation's payment types (PaymentTypeApiResource): what a bank looks up to set CORE_BANKING_PAYMENT_TYPE_ID.
    .add('GET', '/paymenttypes', () => ({
      json: [...PAYMENT_TYPES.values()].map((t, i) => ({ id: t.id, name: t.name, description: t.description, isCashPayment: t.id === 2, position: i + 1 })),
    }))
    .add('GET', '/savingsaccounts/:savingsId/transactions/search', (req) => {
      // Fineract's search: `offset` is the page *number* (Spring's PageRequest.of(offset, limit)), not an item
      // offset, and the answer is a Spring-style page cut down to {total, content}.
      const account = savingsById(store, req.params.savingsId);
      const page = nonNegativeInt(req.query.get('offset'), 'offset', 0);
      const limit = Math.min(nonNegativeInt(req.query.get('limit'), 'limit', DEFAULT_LIMIT), MAX_LIMIT);
      if (limit === 0) throw invalidParam('savingsaccount.transaction', 'limit', 'not.greater.than.zero', 'The parameter `limit` must be greater than 0.', 0);
      const orderBy = req.query.get('orderBy') ?? 'transactionDate';
      if (orderBy !== 'transactionDate' && orderBy !== 'id') {
        throw invalidParam('savingsaccount.transaction', 'orderBy', 'not.supported', 'orderBy must be transactionDate or id.', orderBy);
      }
      const sortOrder = (req.query.get('sortOrder') ?? 'DESC').toUpperCase();
      if (sortOrder !== 'ASC' && sortOrder !== 'DESC') {
        throw invalidParam('savingsaccount.transaction', 'sortOrder', 'not.supported', 'sortOrder must be ASC or DESC.', sortOrder);
      }
      const sign = sortOrder === 'ASC' ? 1 : -1;
      const all = [...store.transactionsOf(account.id)].sort((a, b) => {
        const byDate = orderBy === 'transactionDate' ? a.date.localeCompare(b.date) : 0;
        return sign * (byDate !== 0 ? byDate : a.id - b.id);
      });
      return { json: { total: all.length, content: all.slice(page * limit, page * limit + limit).map((t) => transactionView(t, account)) } };
    })
    .add('GET', '/savingsaccounts/:savingsId/transactions/:transactionId', (req) => {
      const account = savingsById(store, req.params.savingsId);
      const id = numericId(req.params.transactionId);
      const txn = id === undefined ? undefined : store.transactionById(id);
      if (!txn || txn.savingsId !== account.id) {
        throw notFound('error.msg.saving.account.transaction.id.invalid', `Transaction with identifier ${req.params.transactionId} does not exist`, 'transactionId', req.params.transactionId);
      }
      return { json: transactionView(txn, account) };
    })
    .add('POST', '/savingsaccounts/:savingsId/transactions', idempotent(store, 'SAVINGSACCOUNT', commandAction('TRANSACTION'), (req) => {
      const account = savingsById(store, req.params.savingsId);
      const name = req.query.get('command') ?? '';
      const type = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
      if (type === undefined) {
        throw invalidParam('savingsaccount.transaction', 'command', 'not.supported', `Unrecognized command \`${name}\` for savings transactions.`, name);
      }
      const body = objectBody(req.body, req.rawBody, 'savingsaccount.transaction');
      unsupportedParameters(body);
      const date = requireDate(body, 'transactionDate', 'savingsaccount.transaction');
      const amount = parseAmount(body.transactionAmount);
      if (amount === undefined || amount <= 0) {
        throw invalidParam(
          'savingsaccount.transaction',
          'transactionAmount',
          'not.greater.than.zero',
          'The parameter `transactionAmount` must be an amount greater than 0 with at most 2 decimal places.',
          body.transactionAmount ?? null,
        );
      }
      const payment = paymentOf(body);
      if (account.status !== 300) {
        throw refused('error.msg.savingsaccount.transaction.account.is.not.active', 'Transactions are not allowed: the account is not active.', 'id', account.id);
      }
      if (type === 2 && amount > account.balance - account.onHold) {
        throw refused(
          'error.msg.savingsaccount.transaction.insufficient.account.balance',
          'Insufficient account balance.',
          'transactionAmount',
          body.transactionAmount,
        );
      }
      const txn = store.post(account, { type, date, amount, payment, submittedOnDate: isoDay(now()) });
      return { json: written(account, txn) };
    }))
    .add('POST', '/savingsaccounts/:savingsId/transactions/:transactionId', idempotent(store, 'SAVINGSACCOUNT', commandAction('ADJUSTTRANSACTION'), (req) => {
      const account = savingsById(store, req.params.savingsId);
      const id = numericId(req.params.transactionId);
      const txn = id === undefined ? undefined : store.transactionById(id);
      if (!txn || txn.savingsId !== account.id) {
        throw notFound('error.msg.saving.account.transaction.id.invalid', `Transaction with identifier ${req.params.transactionId} does not exist`, 'transactionId', req.params.transactionId);
      }
      const name = req.query.get('command') ?? '';
      if (name !== 'undo') {
        throw invalidParam('savingsaccount.transaction', 'command', 'not.supported', `Unrecognized command \`${name}\` for a savings transaction.`, name);
      }
      objectBody(req.body ?? {}, req.rawBody, 'savingsaccount.transaction');
      undo(store, account, txn);
      return { json: { ...written(account, txn), changes: { reversed: true } } };
    }));
}

/**
 * POST /savingsaccounts/{id}/transactions/{txId}?command=undo, as Fineract checks it: a deposit or withdrawal of an
 * active account, not undone already, and (for a deposit) money enough left to take it back.
 */
function undo(store: CoreBankingStore, account: SavingsRecord, txn: TransactionRecord): void {
  if (account.status !== 300) {
    throw refused('error.msg.savingsaccount.transaction.account.is.not.active', 'Transactions are not allowed: the account is not active.', 'id', account.id);
  }
  if (txn.reversed) {
    throw refused('error.msg.savingsaccount.transaction.already.reversed', `Transaction with identifier ${txn.id} is already reversed.`, 'transactionId', txn.id);
  }
  if (txn.type !== 1 && txn.type !== 2) {
    throw refused('error.msg.savingsaccount.transaction.undo.not.allowed', 'Only deposits and withdrawals can be undone.', 'transactionId', txn.id);
  }
  if (txn.type === 1 && txn.amount > account.balance - account.onHold) {
    throw refused('error.msg.savingsaccount.transaction.insufficient.account.balance', 'Insufficient account balance.', 'transactionId', txn.id);
  }
  store.reverse(account, txn);
}

function written(account: SavingsRecord, txn: TransactionRecord) {
  return { officeId: OFFICE.id, clientId: account.clientId, savingsId: account.id, resourceId: txn.id };
}
