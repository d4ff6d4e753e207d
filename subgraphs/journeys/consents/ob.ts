import { STATUS_CODES, type ServerResponse } from 'node:http';
import { normaliseIban } from '../../../lib/banking-ids.js';
import { isCurrencyCode } from '../../../lib/currency.js';
import { ErrorCode, HTTP_STATUS } from '../../../lib/errors.js';
import { sendJson } from '../../../lib/http.js';
import { moneyFromClientAmount, toDecimalString } from '../../../lib/money.js';
import type { ConsentPayment, ConsentRecord, NewConsent } from '../../../lib/consents.js';
import type { Scope } from '../../../lib/scopes.js';

/**
 * The Open Banking (UK, Read/Write API v4) shapes of the consent routes: the request bodies we accept, the answers,
 * and OB's error body (`Code`, `Message`, `Errors[].ErrorCode`) carrying our stable `code` beside it.
 */

export const OB_BASE = '/open-banking/v4.0';
export const AISP_CONSENTS = `${OB_BASE}/aisp/account-access-consents`;
export const PISP_CONSENTS = `${OB_BASE}/pisp/domestic-payment-consents`;

/** OB permission names onto our scopes (lib/scopes.ts). A name not here is refused (CONSENT_INVALID). */
export const OB_PERMISSIONS: Readonly<Record<string, Scope>> = {
  ReadAccountsBasic: 'accounts:basic',
  ReadAccountsDetail: 'accounts:detail',
  ReadBalances: 'balances:read',
  ReadTransactionsBasic: 'transactions:read',
  ReadTransactionsDetail: 'transactions:read',
  ReadTransactionsCredits: 'transactions:read',
  ReadTransactionsDebits: 'transactions:read',
  ReadParty: 'party:read',
  ReadPartyPSU: 'party:read',
};

/** The OB name each scope is answered with (the first that maps onto it). */
const OB_NAME_OF: Readonly<Partial<Record<Scope, string>>> = Object.fromEntries(
  Object.entries(OB_PERMISSIONS)
    .reverse()
    .map(([name, scope]) => [scope, name]),
);

/** OB's ErrorCode for each of our codes a consent route answers with. */
const OB_ERROR_CODES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.CONSENT_INVALID]: 'UK.OBIE.Field.Invalid',
  [ErrorCode.BAD_REQUEST]: 'UK.OBIE.Resource.InvalidFormat',
  [ErrorCode.CONSENT_NOT_FOUND]: 'UK.OBIE.Resource.NotFound',
  [ErrorCode.NOT_FOUND]: 'UK.OBIE.Resource.NotFound',
  [ErrorCode.CONSENT_STATE_CONFLICT]: 'UK.OBIE.Resource.InvalidConsentStatus',
  [ErrorCode.CONSENT_SCOPE_NOT_GRANTED]: 'UK.OBIE.Field.Unexpected',
  [ErrorCode.CONSENT_OTHER_PARTNER]: 'UK.OBIE.Resource.ConsentMismatch',
  [ErrorCode.FORBIDDEN]: 'UK.OBIE.Unauthorised',
  [ErrorCode.UNAUTHENTICATED]: 'UK.OBIE.Unauthorised',
};


/** A refusal in OB's error shape, with our code as `code` (and the field at fault as `Path`). */
export function sendObError(res: ServerResponse, status: number, code: ErrorCode, message: string, path?: string): void {
  sendJson(res, status, {
    Code: `${status} ${STATUS_CODES[status] ?? 'Error'}`,
    Message: message,
    Errors: [{ ErrorCode: OB_ERROR_CODES[code] ?? 'UK.OBIE.UnexpectedError', Message: message, ...(path ? { Path: path } : {}) }],
    code,
  });
}

/** The HTTP status of one of our codes on these routes. */
export function statusOf(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 400;
}

/** A client's mistake in a body, named by its OB path. */
export class ObInputError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

const invalid = (path: string, message: string) => new ObInputError(ErrorCode.CONSENT_INVALID, message, path);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** ISO 8601 date-time with a zone (OB's ISODateTime), normalised to UTC; undefined when absent. */
function dateTime(data: Obj, field: string): string | null {
  const v = data[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(v) || !Number.isFinite(Date.parse(v))) {
    throw invalid(`Data.${field}`, `${field} must be an ISO 8601 date-time with a time zone, e.g. "2030-01-01T00:00:00Z".`);
  }
  return new Date(Date.parse(v)).toISOString();
}

function expiry(data: Obj, now: Date): string | null {
  const at = dateTime(data, 'ExpirationDateTime');
  if (at !== null && Date.parse(at) <= now.getTime()) throw invalid('Data.ExpirationDateTime', 'ExpirationDateTime must be in the future.');
  return at;
}

function dataOf(body: unknown): Obj {
  if (!isObj(body) || !isObj(body.Data)) throw invalid('Data', 'The body must be a JSON object with a "Data" object.');
  return body.Data;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What an account-access consent request asks for, checked (the partner's grant is checked by the caller). */
export function parseAccountAccessRequest(body: unknown, partner: string, now: Date): Omit<NewConsent, 'id'> {
  const data = dataOf(body);
  const names = data.Permissions;
  if (!Array.isArray(names) || names.length === 0 || names.length > 32) {
    throw invalid('Data.Permissions', 'Permissions must be a list of 1 to 32 OB permission names, e.g. ["ReadAccountsBasic"].');
  }
  const permissions: Scope[] = [];
  for (const name of names) {
    const scope = typeof name === 'string' && Object.hasOwn(OB_PERMISSIONS, name) ? OB_PERMISSIONS[name] : undefined;
    if (!scope) throw invalid('Data.Permissions', `Unknown permission ${JSON.stringify(String(name)).slice(0, 80)}: use one of ${Object.keys(OB_PERMISSIONS).join(', ')}.`);
    if (!permissions.includes(scope)) permissions.push(scope);
  }
  const transactionFrom = dateTime(data, 'TransactionFromDateTime');
  const transactionTo = dateTime(data, 'TransactionToDateTime');
  if (transactionFrom !== null && transactionTo !== null && Date.parse(transactionFrom) > Date.parse(transactionTo)) {
    throw invalid('Data.TransactionToDateTime', 'TransactionToDateTime must not be before TransactionFromDateTime.');
  }
  let requestedAccountIds: string[] | null = null;
  if (data.AccountIds !== undefined && data.AccountIds !== null) {
    const ids = data.AccountIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100 || !ids.every((id) => typeof id === 'string' && ID.test(id))) {
      throw invalid('Data.AccountIds', 'AccountIds must be a list of 1 to 100 account ids, e.g. ["acc-5001"].');
    }
    requestedAccountIds = [...new Set(ids as string[])];
  }
  const frequency = data.FrequencyPerDay;
  if (frequency !== undefined && (typeof frequency !== 'number' || !Number.isInteger(frequency) || frequency < 1 || frequency > 100)) {
    throw invalid('Data.FrequencyPerDay', 'FrequencyPerDay must be a whole number from 1 to 100.');
  }
  const recurring = data.RecurringIndicator;
  if (recurring !== undefined && typeof recurring !== 'boolean') throw invalid('Data.RecurringIndicator', 'RecurringIndicator must be true or false.');
  // Berlin Group: a one-off consent (recurringIndicator false) is for one access to the data, so its frequencyPerDay
  // is 1 (without the customer present; with them, they are there to see it).
  if (recurring === false && frequency !== undefined && frequency !== 1) {
    throw invalid('Data.FrequencyPerDay', 'A one-off consent (RecurringIndicator false) has FrequencyPerDay 1.');
  }
  return {
    kind: 'account-access',
    partner,
    permissions,
    requestedAccountIds,
    expiresAt: expiry(data, now),
    transactionFrom,
    transactionTo,
    ...(frequency !== undefined ? { frequencyPerDay: frequency } : recurring === false ? { frequencyPerDay: 1 } : {}),
    ...(recurring !== undefined ? { recurringIndicator: recurring } : {}),
  };
}

function text(v: unknown, path: string, max: number, required: boolean): string | null {
  if (v === undefined || v === null) {
    if (required) throw invalid(path, `${path} is required.`);
    return null;
  }
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > max) throw invalid(path, `${path} must be text of 1 to ${max} characters.`);
  return v.trim();
}

/** What a domestic payment consent request asks for, checked. */
export function parsePaymentRequest(body: unknown, partner: string, now: Date): Omit<NewConsent, 'id'> {
  const data = dataOf(body);
  const initiation = data.Initiation;
  if (!isObj(initiation)) throw invalid('Data.Initiation', 'Data.Initiation is required: the payment the customer is asked to authorise.');
  const instructed = initiation.InstructedAmount;
  if (!isObj(instructed)) throw invalid('Data.Initiation.InstructedAmount', 'InstructedAmount {Amount, Currency} is required.');
  const currency = instructed.Currency;
  if (typeof currency !== 'string' || !isCurrencyCode(currency)) throw invalid('Data.Initiation.InstructedAmount.Currency', 'Currency must be an ISO 4217 code, e.g. "GBP".');
  let amount: string;
  try {
    if (typeof instructed.Amount !== 'string') throw new RangeError('not text');
    const money = moneyFromClientAmount(instructed.Amount, currency);
    if (money.minor <= 0n) throw new RangeError('zero');
    amount = toDecimalString(money);
  } catch {
    throw invalid('Data.Initiation.InstructedAmount.Amount', `Amount must be a positive decimal string with at most the currency's decimals, e.g. "12.50".`);
  }
  const creditor = initiation.CreditorAccount;
  if (!isObj(creditor)) throw invalid('Data.Initiation.CreditorAccount', 'CreditorAccount {SchemeName, Identification, Name} is required.');
  const raw = text(creditor.Identification, 'Data.Initiation.CreditorAccount.Identification', 34, true)!;
  // The IBAN as the payment journey will check it (country, length, check digits): a consent to a creditor the
  // journey would refuse could be authorised and spent, and never paid.
  let identification: string;
  try {
    identification = normaliseIban(raw);
  } catch (err) {
    throw invalid('Data.Initiation.CreditorAccount.Identification', `Identification must be the creditor's IBAN (SchemeName UK.OBIE.IBAN): ${(err as Error).message}.`);
  }
  const creditorName = text(creditor.Name, 'Data.Initiation.CreditorAccount.Name', 140, true)!;
  const remittance = initiation.RemittanceInformation;
  if (remittance !== undefined && remittance !== null && !isObj(remittance)) throw invalid('Data.Initiation.RemittanceInformation', 'RemittanceInformation must be an object.');
  const reference = isObj(remittance) ? text(remittance.Reference, 'Data.Initiation.RemittanceInformation.Reference', 140, false) : null;
  const debtor = initiation.DebtorAccount;
  if (debtor !== undefined && debtor !== null && !isObj(debtor)) throw invalid('Data.Initiation.DebtorAccount', 'DebtorAccount must be an object.');
  const sourceAccountId = isObj(debtor) ? text(debtor.Identification, 'Data.Initiation.DebtorAccount.Identification', 64, true) : null;
  if (sourceAccountId !== null && !ID.test(sourceAccountId)) throw invalid('Data.Initiation.DebtorAccount.Identification', 'DebtorAccount.Identification must be one of your account ids.');
  const payment: ConsentPayment = {
    amount,
    currency,
    creditorName,
    creditorAccount: identification.startsWith('ACC-') ? identification.toLowerCase() : identification,
    reference,
    sourceAccountId,
  };
  return {
    kind: 'payment',
    partner,
    permissions: ['payments:initiate'],
    requestedAccountIds: sourceAccountId ? [sourceAccountId] : null,
    expiresAt: expiry(data, now),
    recurringIndicator: false,
    // One payment; the daily access limit is for account access only (lib/consents.ts, recordAccess).
    frequencyPerDay: 1,
    payment,
  };
}

const optional = (field: string, value: string | null) => (value !== null ? { [field]: value } : {});

/** An account-access consent as OB answers it. */
export function accountAccessBody(r: ConsentRecord): unknown {
  return {
    Data: {
      ConsentId: r.id,
      Status: r.status,
      StatusUpdateDateTime: r.statusUpdatedAt,
      CreationDateTime: r.createdAt,
      Permissions: r.permissions.map((s) => OB_NAME_OF[s]).filter((n): n is string => n !== undefined),
      ...optional('ExpirationDateTime', r.expiresAt),
      ...optional('TransactionFromDateTime', r.transactionFrom),
      ...optional('TransactionToDateTime', r.transactionTo),
      ...(r.requestedAccountIds ? { AccountIds: [...r.requestedAccountIds] } : {}),
      FrequencyPerDay: r.frequencyPerDay,
      RecurringIndicator: r.recurringIndicator,
    },
    Links: { Self: `${AISP_CONSENTS}/${r.id}` },
    Meta: {},
  };
}

/** A domestic payment consent as OB answers it. */
export function paymentBody(r: ConsentRecord): unknown {
  const p = r.payment;
  return {
    Data: {
      ConsentId: r.id,
      Status: r.status,
      StatusUpdateDateTime: r.statusUpdatedAt,
      CreationDateTime: r.createdAt,
      ...optional('ExpirationDateTime', r.expiresAt),
      ...(p
        ? {
            Initiation: {
              InstructedAmount: { Amount: p.amount, Currency: p.currency },
              CreditorAccount: { SchemeName: 'UK.OBIE.IBAN', Identification: p.creditorAccount, Name: p.creditorName },
              ...(p.reference !== null ? { RemittanceInformation: { Reference: p.reference } } : {}),
              ...(p.sourceAccountId !== null ? { DebtorAccount: { Identification: p.sourceAccountId } } : {}),
            },
          }
        : {}),
    },
    Links: { Self: `${PISP_CONSENTS}/${r.id}` },
    Meta: {},
  };
}
