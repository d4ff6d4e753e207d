import type { SimResponse } from '../http.js';

/**
 * The Fineract wire dialect: error bodies, enum objects, date arrays, float amounts and the request date formats.
 * Inside the simulator amounts are integer minor units and dates ISO strings; they become the dialect only here.
 */

export const API_PREFIX = '/fineract-provider/api/v1';

export interface FineractErrorItem {
  readonly developerMessage: string;
  readonly defaultUserMessage: string;
  readonly userMessageGlobalisationCode: string;
  readonly parameterName: string | null;
  readonly value: unknown;
  readonly args: readonly { value: unknown }[];
}

export interface FineractErrorBody {
  readonly developerMessage: string;
  /** A string, as Fineract sends it ("404"). */
  readonly httpStatusCode: string;
  readonly defaultUserMessage: string;
  readonly userMessageGlobalisationCode: string;
  readonly errors: readonly FineractErrorItem[];
}

/** Thrown by handlers and helpers; the route wrapper turns it into its response. */
export class FineractFailure extends Error {
  constructor(readonly response: SimResponse) {
    super(`fineract error ${response.status ?? 500}`);
  }
}

export function errorItem(code: string, message: string, parameterName: string | null, value: unknown = null): FineractErrorItem {
  return {
    developerMessage: message,
    defaultUserMessage: message,
    userMessageGlobalisationCode: code,
    parameterName,
    value,
    args: value === null || value === undefined ? [] : [{ value }],
  };
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  errors: readonly FineractErrorItem[],
  developerMessage = message,
): SimResponse {
  const body: FineractErrorBody = {
    developerMessage,
    httpStatusCode: String(status),
    defaultUserMessage: message,
    userMessageGlobalisationCode: code,
    errors,
  };
  return { status, json: body };
}

/** 404 as Fineract sends it: a generic top-level code, the specific one in `errors`. */
export function notFound(code: string, message: string, parameterName: string, value: unknown): FineractFailure {
  return new FineractFailure(
    errorResponse(404, 'error.msg.resource.not.found', 'The requested resource is not available.', [
      errorItem(code, message, parameterName, value),
    ]),
  );
}

/** 400 with one validation error per parameter. */
export function validation(items: readonly FineractErrorItem[]): FineractFailure {
  return new FineractFailure(errorResponse(400, 'validation.msg.validation.errors.exist', 'Validation errors exist.', items));
}

export function invalidParam(resource: string, parameter: string, reason: string, message: string, value: unknown = null): FineractFailure {
  return validation([errorItem(`validation.msg.${resource}.${parameter}.${reason}`, message, parameter, value)]);
}

/**
 * 403 for a refused business rule or a data integrity clash (duplicate external id). The specific code is both the
 * top-level `userMessageGlobalisationCode` and the one of the single error item.
 */
export function refused(code: string, message: string, parameterName: string | null = 'id', value: unknown = null): FineractFailure {
  return new FineractFailure(
    errorResponse(403, code, message, [errorItem(code, message, parameterName, value)], 'Request was understood but caused a domain rule violation.'),
  );
}

export function serverError(message: string): SimResponse {
  return errorResponse(500, 'error.msg.platform.server.side.error', 'Platform internal server error', [
    errorItem('error.msg.platform.server.side.error', message, null),
  ], message);
}

export function routeNotFound(method: string, path: string): SimResponse {
  return errorResponse(404, 'error.msg.resource.not.found', 'The requested resource is not available.', [
    errorItem('error.msg.resource.not.found', `No resource for ${method} ${path}`, null),
  ]);
}

// ---- enums -----------------------------------------------------------------------------------------------------

export type ClientStatusId = 100 | 300 | 600;
export type SavingsStatusId = 100 | 200 | 300 | 500 | 600;
export type TransactionTypeId = 1 | 2 | 3 | 4;

const CLIENT_STATUS: Record<ClientStatusId, [string, string]> = {
  100: ['clientStatusType.pending', 'Pending'],
  300: ['clientStatusType.active', 'Active'],
  600: ['clientStatusType.closed', 'Closed'],
};

export function clientStatus(id: ClientStatusId): { id: number; code: string; value: string } {
  const [code, value] = CLIENT_STATUS[id];
  return { id, code, value };
}

const SAVINGS_STATUS: Record<SavingsStatusId, [string, string]> = {
  100: ['savingsAccountStatusType.submitted.and.pending.approval', 'Submitted and pending approval'],
  200: ['savingsAccountStatusType.approved', 'Approved'],
  300: ['savingsAccountStatusType.active', 'Active'],
  500: ['savingsAccountStatusType.rejected', 'Rejected'],
  600: ['savingsAccountStatusType.closed', 'Closed'],
};

export function savingsStatus(id: SavingsStatusId) {
  const [code, value] = SAVINGS_STATUS[id];
  return {
    id,
    code,
    value,
    submittedAndPendingApproval: id === 100,
    approved: id === 200,
    rejected: id === 500,
    withdrawnByApplicant: false,
    active: id === 300,
    closed: id === 600,
  };
}

const TRANSACTION_TYPE: Record<TransactionTypeId, [string, string]> = {
  1: ['savingsAccountTransactionType.deposit', 'Deposit'],
  2: ['savingsAccountTransactionType.withdrawal', 'Withdrawal'],
  3: ['savingsAccountTransactionType.interestPosting', 'Interest Posting'],
  4: ['savingsAccountTransactionType.withdrawalFee', 'Withdrawal Fee'],
};

export function transactionType(id: TransactionTypeId) {
  const [code, value] = TRANSACTION_TYPE[id];
  return { id, code, value, deposit: id === 1, withdrawal: id === 2, interestPosting: id === 3, feeDeduction: id === 4 };
}

export type CurrencyCode = 'EUR' | 'GBP' | 'USD';

const CURRENCIES: Record<CurrencyCode, { name: string; displaySymbol: string }> = {
  EUR: { name: 'Euro', displaySymbol: '€' },
  GBP: { name: 'British Pound', displaySymbol: '£' },
  USD: { name: 'US Dollar', displaySymbol: '$' },
};

/** Every currency of this bank has two decimal places. */
export const DECIMAL_PLACES = 2;

export function currencyData(code: CurrencyCode) {
  const { name, displaySymbol } = CURRENCIES[code];
  return {
    code,
    name,
    decimalPlaces: DECIMAL_PLACES,
    inMultiplesOf: 1,
    displaySymbol,
    nameCode: `currency.${code}`,
    displayLabel: `${name} (${displaySymbol})`,
  };
}

// ---- amounts and dates -----------------------------------------------------------------------------------------

/** Integer minor units to the float Fineract sends (245075 -> 2450.75); IEEE division rounds to the nearest float. */
export function toFloat(minor: number): number {
  return minor / 10 ** DECIMAL_PLACES;
}

/** A request amount (number or decimal string, major units) to minor units; undefined when it is not a plain amount. */
export function parseAmount(input: unknown): number | undefined {
  const text = typeof input === 'number' && Number.isFinite(input) ? String(input) : typeof input === 'string' ? input.trim() : '';
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return undefined;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > DECIMAL_PLACES) return undefined;
  const minor = Number(m[1]) * 10 ** DECIMAL_PLACES + Number(frac.padEnd(DECIMAL_PLACES, '0'));
  return Number.isSafeInteger(minor) ? minor : undefined;
}

/** "2024-01-31" -> [2024, 1, 31]. */
export function dateArray(iso: string): [number, number, number] {
  const [y, m, d] = iso.split('-').map(Number);
  return [y ?? 0, m ?? 0, d ?? 0];
}

export function dateArrayOrNull(iso: string | null): [number, number, number] | null {
  return iso === null ? null : dateArray(iso);
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

const DATE_TOKENS: Record<string, ['y' | 'M' | 'MMM' | 'd', string]> = {
  yyyy: ['y', '(\\d{4})'],
  MMMM: ['MMM', '([A-Za-z]+)'],
  MMM: ['MMM', '([A-Za-z]+)'],
  MM: ['M', '(\\d{2})'],
  M: ['M', '(\\d{1,2})'],
  dd: ['d', '(\\d{2})'],
  d: ['d', '(\\d{1,2})'],
};

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/**
 * Parses a request date in the request's own Java-style `dateFormat` (tokens yyyy, MMMM, MMM, MM, M, dd, d; anything
 * else literal), English locale only. Returns the ISO date, or undefined when the text does not fit the format.
 */
export function parseRequestDate(text: string, format: string, locale: string): string | undefined {
  if (!/^en([-_].*)?$/i.test(locale)) return undefined;
  const parts: ('y' | 'M' | 'MMM' | 'd')[] = [];
  let source = '';
  for (const token of format.match(/yyyy|MMMM|MMM|MM|M|dd|d|[^yMd]+/g) ?? []) {
    const field = Object.hasOwn(DATE_TOKENS, token) ? DATE_TOKENS[token] : undefined;
    if (field) {
      parts.push(field[0]);
      source += field[1];
    } else {
      source += token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  const m = new RegExp(`^${source}$`).exec(text.trim());
  if (!m) return undefined;
  let year = NaN;
  let month = NaN;
  let day = NaN;
  parts.forEach((p, i) => {
    const v = m[i + 1] ?? '';
    if (p === 'y') year = Number(v);
    else if (p === 'd') day = Number(v);
    else if (p === 'M') month = Number(v);
    else {
      const lower = v.toLowerCase();
      const idx = MONTHS.findIndex((name) => name === lower || (lower.length === 3 && name.startsWith(lower)));
      month = idx + 1;
    }
  });
  if (!(month >= 1 && month <= 12 && day >= 1 && year >= 1900)) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1) return undefined; // 31 April and friends
  return isoDay(date);
}

/** Reads a date parameter of a request body with its `dateFormat` and `locale`; throws a 400 when absent or invalid. */
export function requireDate(body: Record<string, unknown>, parameter: string, resource: string): string {
  const value = body[parameter];
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidParam(resource, parameter, 'cannot.be.blank', `The parameter \`${parameter}\` is mandatory.`);
  }
  const format = body.dateFormat;
  const locale = body.locale;
  if (typeof format !== 'string' || typeof locale !== 'string') {
    throw invalidParam(resource, 'dateFormat', 'cannot.be.blank', 'The parameters `dateFormat` and `locale` are mandatory with a date.');
  }
  const iso = parseRequestDate(value, format, locale);
  if (iso === undefined) {
    throw invalidParam(resource, parameter, 'invalid.date.format', `The parameter \`${parameter}\` is invalid based on the dateFormat: '${format}' and locale: '${locale}' provided.`, value);
  }
  return iso;
}

/** The body of a write as an object; a 400 otherwise. */
export function objectBody(body: unknown, rawBody: string, resource: string): Record<string, unknown> {
  let parsed = body;
  if (parsed === undefined && rawBody.trim() !== '') {
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      parsed = undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidParam(resource, 'json', 'invalid', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
