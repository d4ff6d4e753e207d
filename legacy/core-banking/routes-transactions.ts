import {
  invalidParam,
  isoDay,
  notFound,
  objectBody,
  parseAmount,
  refused,
  requireDate,
  type TransactionTypeId,
} from './dialect.js';
import { numericId, type RouteTable } from './router.js';
import type { RouteContext } from './routes-clients.js';
import { savingsById } from './routes-savings.js';
import { OFFICE, type CoreBankingStore, type SavingsRecord, type TransactionRecord } from './store.js';
import { transactionView } from './views.js';

const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 200;

function nonNegativeInt(text: string | null, name: string, fallback: number): number {
  if (text === null || text === '') return fallback;
  if (!/^\d{1,9}$/.test(text)) throw invalidParam('savingsaccount.transaction', name, 'invalid', `The parameter \`${name}\` must be a non-negative whole number.`, text);
  return Number(text);
}

const COMMANDS: Record<string, TransactionTypeId> = { deposit: 1, withdrawal: 2 };

export function transactionRoutes(routes: RouteTable, { store, now }: RouteContext): void {
  routes
    .add('GET', '/savingsaccounts/:savingsId/transactions/search', (req) => {
      const account = savingsById(store, req.params.savingsId);
      const offset = nonNegativeInt(req.query.get('offset'), 'offset', 0);
      const limit = Math.min(nonNegativeInt(req.query.get('limit'), 'limit', DEFAULT_LIMIT), MAX_LIMIT);
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
      return {
        json: {
          totalFilteredRecords: all.length,
          pageItems: all.slice(offset, offset + limit).map((t) => transactionView(t, account)),
        },
      };
    })
    .add('GET', '/savingsaccounts/:savingsId/transactions/external-id/:externalId', (req) => {
      const account = savingsById(store, req.params.savingsId);
      const txn = store.transactionByExternalId(req.params.externalId ?? '');
      if (!txn || txn.savingsId !== account.id) {
        throw notFound(
          'error.msg.savingsaccount.transaction.external.id.invalid',
          `Transaction with external identifier ${req.params.externalId} does not exist for savings account ${account.id}`,
          'externalId',
          req.params.externalId,
        );
      }
      return { json: transactionView(txn, account) };
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
    .add('POST', '/savingsaccounts/:savingsId/transactions', (req) => {
      const account = savingsById(store, req.params.savingsId);
      const name = req.query.get('command') ?? '';
      const type = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
      if (type === undefined) {
        throw invalidParam('savingsaccount.transaction', 'command', 'not.supported', `Unrecognized command \`${name}\` for savings transactions.`, name);
      }
      const body = objectBody(req.body, req.rawBody, 'savingsaccount.transaction');
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
      const externalId = typeof body.externalId === 'string' && body.externalId.trim() !== '' ? body.externalId.trim() : null;
      if (externalId !== null) {
        const earlier = store.transactionByExternalId(externalId);
        if (earlier) return replay(earlier, account, type, amount, externalId);
      }
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
      const txn = store.post(account, { type, date, amount, externalId, submittedOnDate: isoDay(now()) });
      return { json: written(account, txn) };
    })
    .add('POST', '/savingsaccounts/:savingsId/transactions/:transactionId', (req) => {
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
    });
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

/**
 * The bank's guard against retries: a transaction whose externalId was seen before is not booked again. The same
 * request answers the original ids; a different request with a used externalId is refused.
 */
function replay(earlier: TransactionRecord, account: SavingsRecord, type: TransactionTypeId, amount: number, externalId: string) {
  if (earlier.savingsId !== account.id || earlier.type !== type || earlier.amount !== amount) {
    throw refused(
      'error.msg.savingsaccount.transaction.duplicate.externalId',
      `A different transaction with externalId \`${externalId}\` already exists`,
      'externalId',
      externalId,
    );
  }
  return { json: written(account, earlier) };
}
