import {
  errorItem,
  invalidParam,
  isoDay,
  notFound,
  objectBody,
  refused,
  requireDate,
  savingsStatus,
  validation,
  type FineractErrorItem,
  type SavingsStatusId,
} from './dialect.js';
import { commandAction, idempotent } from './idempotency.js';
import { numericId, type RouteTable } from './router.js';
import type { RouteContext } from './routes-clients.js';
import { OFFICE, PRODUCTS, type CoreBankingStore, type SavingsRecord } from './store.js';
import { savingsView } from './views.js';

export function savingsById(store: CoreBankingStore, idText: string | undefined): SavingsRecord {
  const id = numericId(idText);
  const account = id === undefined ? undefined : store.savings.get(id);
  if (!account) {
    throw notFound('error.msg.saving.account.id.invalid', `Savings account with identifier ${idText} does not exist`, 'id', idText);
  }
  return account;
}

/**
 * What each lifecycle command needs: the state it starts from, the state it leads to, its date parameter (null: none,
 * like undoapproval) and the refusal when the account is elsewhere. A command already done is refused like any other
 * command out of order: the caller reads the state first.
 */
const COMMANDS: Record<string, { from: SavingsStatusId; to: SavingsStatusId; dateParam: string | null; code: string; message: string }> = {
  approve: {
    from: 100,
    to: 200,
    dateParam: 'approvedOnDate',
    code: 'error.msg.savingsaccount.not.in.submittedandpendingapproval.state',
    message: 'Savings account approval is not allowed: the account is not in submitted and pending approval state.',
  },
  reject: {
    from: 100,
    to: 500,
    dateParam: 'rejectedOnDate',
    code: 'error.msg.savingsaccount.reject.not.in.submittedandpendingapproval.state',
    message: 'Savings account rejection is not allowed: the account is not in submitted and pending approval state.',
  },
  undoapproval: {
    from: 200,
    to: 100,
    dateParam: null,
    code: 'error.msg.savingsaccount.undoapproval.not.in.approved.state',
    message: 'Undoing the approval is not allowed: the account is not in approved state.',
  },
  activate: {
    from: 200,
    to: 300,
    dateParam: 'activatedOnDate',
    code: 'error.msg.savingsaccount.not.in.approved.state',
    message: 'Savings account activation is not allowed: the account is not in approved state.',
  },
  close: {
    from: 300,
    to: 600,
    dateParam: 'closedOnDate',
    code: 'error.msg.savingsaccount.not.in.active.state',
    message: 'Savings account close is not allowed: the account is not active.',
  },
};

export function savingsRoutes(routes: RouteTable, { store, now }: RouteContext): void {
  routes
    .add('GET', '/savingsaccounts/external-id/:externalId', (req) => {
      const account = store.savingsByExternalIdOf(req.params.externalId ?? '');
      if (!account) {
        throw notFound('error.msg.saving.account.external.id.invalid', `Savings account with external identifier ${req.params.externalId} does not exist`, 'externalId', req.params.externalId);
      }
      return { json: savingsView(account, store) };
    })
    .add('GET', '/savingsaccounts/:savingsId', (req) => {
      // associations=transactions (or all) adds the account's transactions; other values are ignored, as in Fineract.
      const associations = (req.query.get('associations') ?? '').split(',').map((a) => a.trim());
      const transactions = associations.includes('transactions') || associations.includes('all');
      return { json: savingsView(savingsById(store, req.params.savingsId), store, { transactions }) };
    })
    .add('POST', '/savingsaccounts', idempotent(store, 'SAVINGSACCOUNT', commandAction('CREATE'), (req) => {
      const body = objectBody(req.body, req.rawBody, 'savingsaccount');
      const errors: FineractErrorItem[] = [];
      for (const name of ['clientId', 'productId'] as const) {
        if (body[name] === undefined || body[name] === null || body[name] === '') {
          errors.push(errorItem(`validation.msg.savingsaccount.${name}.cannot.be.blank`, `The parameter \`${name}\` is mandatory.`, name));
        }
      }
      const externalId = body.externalId;
      if (externalId !== undefined && externalId !== null && (typeof externalId !== 'string' || externalId.trim() === '')) {
        errors.push(errorItem('validation.msg.savingsaccount.externalId.invalid', 'The parameter `externalId` must be text.', 'externalId', externalId));
      }
      if (errors.length > 0) throw validation(errors);
      const submittedOnDate = requireDate(body, 'submittedOnDate', 'savingsaccount');
      const client = store.clients.get(Number(body.clientId));
      if (!client) throw notFound('error.msg.client.id.invalid', `Client with identifier ${String(body.clientId)} does not exist`, 'clientId', body.clientId);
      const product = PRODUCTS.get(Number(body.productId));
      if (!product) {
        throw notFound('error.msg.savingsproduct.id.invalid', `Savings product with identifier ${String(body.productId)} does not exist`, 'productId', body.productId);
      }
      if (client.status !== 300) {
        throw refused('error.msg.savingsapplication.client.not.active', `Client with identifier ${client.id} is not active.`, 'clientId', client.id);
      }
      const ref = typeof externalId === 'string' ? externalId.trim() : null;
      if (ref !== null && store.savingsByExternalIdOf(ref)) {
        throw refused('error.msg.savingsaccount.duplicate.externalId', `Savings account with externalId \`${ref}\` already exists`, 'externalId', ref);
      }
      const account = store.addSavings({
        clientId: client.id,
        productId: product.id,
        externalId: ref,
        status: 100,
        balance: 0,
        onHold: 0,
        submittedOnDate,
        approvedOnDate: null,
        activatedOnDate: null,
        rejectedOnDate: null,
        closedOnDate: null,
      });
      return { json: { officeId: OFFICE.id, clientId: client.id, savingsId: account.id, resourceId: account.id } };
    }))
    .add('POST', '/savingsaccounts/:savingsId', idempotent(store, 'SAVINGSACCOUNT', commandAction('UPDATE'), (req) => {
      const account = savingsById(store, req.params.savingsId);
      const name = req.query.get('command') ?? '';
      const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
      if (!command) {
        throw invalidParam('savingsaccount', 'command', 'not.supported', `Unrecognized command \`${name}\` for savings accounts.`, name);
      }
      const body = objectBody(req.body ?? {}, req.rawBody, 'savingsaccount');
      if (account.status !== command.from) throw refused(command.code, command.message, 'id', account.id);
      const date = command.dateParam === null ? null : requireDate(body, command.dateParam, 'savingsaccount');
      if (name === 'close' && date !== null) closeAccount(store, account, date, body.withdrawBalance === true, now);
      if (name === 'approve') account.approvedOnDate = date;
      if (name === 'undoapproval') account.approvedOnDate = null;
      if (name === 'reject') account.rejectedOnDate = date;
      if (name === 'activate') account.activatedOnDate = date;
      account.status = command.to;
      const changes = {
        status: savingsStatus(account.status),
        ...(command.dateParam !== null ? { [command.dateParam]: date } : {}),
        ...(name === 'undoapproval' ? { approvedOnDate: null } : {}),
      };
      return { json: { officeId: OFFICE.id, clientId: account.clientId, savingsId: account.id, resourceId: account.id, changes } };
    }));
}

/** Closing needs a zero balance, unless the request asks to pay the balance out first (withdrawBalance). */
function closeAccount(store: CoreBankingStore, account: SavingsRecord, date: string, withdrawBalance: boolean, now: () => Date): void {
  if (account.balance !== 0 && !withdrawBalance) {
    throw refused('error.msg.savingsaccount.close.results.in.balance.not.zero', 'Closing the account would leave a balance that is not zero.', 'id', account.id);
  }
  if (account.balance !== 0) {
    if (account.onHold > 0 || account.balance < 0) {
      throw refused('error.msg.savingsaccount.close.funds.on.hold', 'The account has funds on hold and cannot be closed.', 'id', account.id);
    }
    store.post(account, { type: 2, date, amount: account.balance, submittedOnDate: isoDay(now()) });
  }
  account.closedOnDate = date;
}
