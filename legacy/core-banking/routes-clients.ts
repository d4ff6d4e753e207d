import {
  errorItem,
  invalidParam,
  isoDay,
  notFound,
  objectBody,
  refused,
  requireDate,
  validation,
  type FineractErrorItem,
} from './dialect.js';
import { commandAction, idempotent } from './idempotency.js';
import { numericId, type RouteTable } from './router.js';
import { CLIENT_CLOSURE_REASONS, OFFICE, type ClientRecord, type CoreBankingStore } from './store.js';
import { clientView, savingsSummaryView } from './views.js';

export interface RouteContext {
  readonly store: CoreBankingStore;
  readonly now: () => Date;
}

function clientById(store: CoreBankingStore, idText: string | undefined): ClientRecord {
  const id = numericId(idText);
  const client = id === undefined ? undefined : store.clients.get(id);
  if (!client) throw notFound('error.msg.client.id.invalid', `Client with identifier ${idText} does not exist`, 'id', idText);
  return client;
}

function clientByExternalId(store: CoreBankingStore, externalId: string | undefined): ClientRecord {
  const client = externalId === undefined ? undefined : store.clientByExternalId(externalId);
  if (!client) {
    throw notFound('error.msg.client.external.id.invalid', `Client with external identifier ${externalId} does not exist`, 'externalId', externalId);
  }
  return client;
}

function accountsOf(store: CoreBankingStore, client: ClientRecord) {
  return { savingsAccounts: store.savingsOfClient(client.id).map(savingsSummaryView) };
}

function optionalText(body: Record<string, unknown>, name: string, errors: FineractErrorItem[]): string | null {
  const v = body[name];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') {
    errors.push(errorItem(`validation.msg.client.${name}.invalid`, `The parameter \`${name}\` must be text.`, name, v));
    return null;
  }
  return v.trim();
}

function requiredText(body: Record<string, unknown>, name: string, errors: FineractErrorItem[]): string {
  const v = body[name];
  if (typeof v !== 'string' || v.trim() === '') {
    errors.push(errorItem(`validation.msg.client.${name}.cannot.be.blank`, `The parameter \`${name}\` is mandatory.`, name, v ?? null));
    return '';
  }
  return v.trim();
}

export function clientRoutes(routes: RouteTable, { store, now }: RouteContext): void {
  routes
    .add('GET', '/clients/external-id/:externalId/accounts', (req) => ({
      json: accountsOf(store, clientByExternalId(store, req.params.externalId)),
    }))
    .add('GET', '/clients/external-id/:externalId', (req) => ({
      json: clientView(clientByExternalId(store, req.params.externalId)),
    }))
    .add('GET', '/clients/:clientId/accounts', (req) => ({ json: accountsOf(store, clientById(store, req.params.clientId)) }))
    .add('GET', '/clients/:clientId', (req) => ({ json: clientView(clientById(store, req.params.clientId)) }))
    .add('POST', '/clients', idempotent(store, 'CLIENT', commandAction('CREATE'), (req) => {
      const body = objectBody(req.body, req.rawBody, 'client');
      const errors: FineractErrorItem[] = [];
      const firstname = requiredText(body, 'firstname', errors);
      const lastname = requiredText(body, 'lastname', errors);
      const externalId = optionalText(body, 'externalId', errors);
      const emailAddress = optionalText(body, 'emailAddress', errors);
      const mobileNo = optionalText(body, 'mobileNo', errors);
      if (body.officeId === undefined || body.officeId === null) {
        errors.push(errorItem('validation.msg.client.officeId.cannot.be.blank', 'The parameter `officeId` is mandatory.', 'officeId'));
      }
      if (typeof body.active !== 'boolean') {
        errors.push(errorItem('validation.msg.client.active.cannot.be.blank', 'The parameter `active` is mandatory.', 'active', body.active ?? null));
      }
      if (errors.length > 0) throw validation(errors);
      if (Number(body.officeId) !== OFFICE.id) {
        throw notFound('error.msg.office.id.invalid', `Office with identifier ${String(body.officeId)} does not exist`, 'officeId', body.officeId);
      }
      const dateOfBirth = body.dateOfBirth === undefined || body.dateOfBirth === null || body.dateOfBirth === '' ? null : requireDate(body, 'dateOfBirth', 'client');
      const activationDate = body.active === true ? requireDate(body, 'activationDate', 'client') : null;
      if (externalId !== null && store.clientByExternalId(externalId)) {
        throw refused('error.msg.client.duplicate.externalId', `Client with externalId \`${externalId}\` already exists`, 'externalId', externalId);
      }
      const client = store.addClient({
        externalId,
        firstname,
        lastname,
        emailAddress,
        mobileNo,
        dateOfBirth,
        status: activationDate === null ? 100 : 300,
        submittedOnDate: isoDay(now()),
        activationDate,
        closedOnDate: null,
        closureReasonId: null,
      });
      return { json: { officeId: OFFICE.id, clientId: client.id, resourceId: client.id } };
    }))
    .add('POST', '/clients/:clientId', idempotent(store, 'CLIENT', commandAction('UPDATE'), (req) => {
      const client = clientById(store, req.params.clientId);
      const command = req.query.get('command') ?? '';
      if (command !== 'close') throw invalidParam('client', 'command', 'not.supported', `Unrecognized command \`${command}\` for clients.`, command);
      closeClient(store, client, objectBody(req.body ?? {}, req.rawBody, 'client'));
      return { json: { officeId: OFFICE.id, clientId: client.id, resourceId: client.id } };
    }));
}

/** Savings states that keep a client open: submitted, approved, active. */
const OPEN_SAVINGS = new Set([100, 200, 300]);

/**
 * POST /clients/{id}?command=close, as Fineract checks it: an active client, a known closure reason, a date not
 * before the activation, and no savings account left that is not closed or rejected. Closing twice is refused.
 */
function closeClient(store: CoreBankingStore, client: ClientRecord, body: Record<string, unknown>): void {
  const reason = body.closureReasonId;
  if (reason === undefined || reason === null || reason === '') {
    throw validation([errorItem('validation.msg.client.closureReasonId.cannot.be.blank', 'The parameter `closureReasonId` is mandatory.', 'closureReasonId')]);
  }
  const closureDate = requireDate(body, 'closureDate', 'client');
  if (client.status !== 300) {
    throw refused('error.msg.client.close.is.not.active', `Client with identifier ${client.id} is not active and cannot be closed.`, 'id', client.id);
  }
  const reasonId = Number(reason);
  if (!CLIENT_CLOSURE_REASONS.has(reasonId)) {
    throw notFound('error.msg.codevalue.id.invalid', `Code value with identifier ${String(reason)} does not exist`, 'closureReasonId', reason);
  }
  if (client.activationDate !== null && closureDate < client.activationDate) {
    throw refused('error.msg.client.close.date.cannot.before.client.actived', 'The closure date cannot be before the client activation date.', 'closureDate', closureDate);
  }
  const open = store.savingsOfClient(client.id).find((a) => OPEN_SAVINGS.has(a.status));
  if (open) {
    throw refused(
      'error.msg.client.close.non.closed.savings.account',
      'Client cannot be closed because of non-closed savings account.',
      'id',
      client.id,
    );
  }
  client.status = 600;
  client.closedOnDate = closureDate;
  client.closureReasonId = reasonId;
}
