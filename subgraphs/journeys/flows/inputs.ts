import { createHash } from 'node:crypto';
import { badUserInput, forbidden } from '../../../lib/errors.js';
import { currency as currencyInfo, isCurrencyCode } from '../../../lib/currency.js';
import { moneyFromClientAmount, moneyFromMinor, type Money } from '../../../lib/money.js';
import { liveConsent, type Principal } from '../../../lib/principal.js';
import type { Json } from '../engine/types.js';

/**
 * Input checks shared by the flows. Every one runs before any legacy call and names the field it refuses
 * (BAD_USER_INPUT with `extensions.field`), so a bad request starts nothing.
 */

/** Money as stored in journey records (JSON): integer minor units as a string, never a float. */
export type JsonMoney = { minor: string; currency: string };

export function toJsonMoney(m: Money): JsonMoney {
  return { minor: m.minor.toString(), currency: m.currency };
}

export function fromJsonMoney(j: Json | undefined): Money {
  const m = j as JsonMoney | undefined;
  if (!m || typeof m.minor !== 'string' || typeof m.currency !== 'string') throw new TypeError('not a stored amount');
  return moneyFromMinor(m.minor, m.currency);
}

/** Largest single payment or conversion, in major units, per currency (a bank would configure these). */
const LIMITS_MAJOR: Readonly<Record<string, bigint>> = { JPY: 150_000_000n, HUF: 400_000_000n, INR: 90_000_000n, CZK: 25_000_000n };
const DEFAULT_LIMIT_MAJOR = 1_000_000n;

export function limitOf(code: string): Money {
  const major = LIMITS_MAJOR[code] ?? DEFAULT_LIMIT_MAJOR;
  return { minor: major * 10n ** BigInt(currencyInfo(code).exponent), currency: code };
}

/** A positive amount in a supported currency, within its precision and the single-payment limit. */
export function amountInput(field: string, amount: unknown, code: unknown): Money {
  const cur = currencyCode(`${field}.currency`, code);
  if (typeof amount !== 'string') throw badUserInput(`${field}.amount`, `${field}.amount must be a decimal string such as "100.00"`);
  let money: Money;
  try {
    money = moneyFromClientAmount(amount, cur);
  } catch (err) {
    throw badUserInput(`${field}.amount`, `${field}.amount: ${(err as Error).message}`);
  }
  if (money.minor <= 0n) throw badUserInput(`${field}.amount`, `${field}.amount must be positive, got "${amount}"`);
  const limit = limitOf(cur);
  if (money.minor > limit.minor) throw badUserInput(`${field}.amount`, `${field}.amount is above the limit of one payment in ${cur}`);
  return money;
}

export function currencyCode(field: string, value: unknown): string {
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!/^[A-Z]{3}$/.test(code) || !isCurrencyCode(code)) throw badUserInput(field, `${field} must be an ISO 4217 currency code such as EUR`);
  return code;
}

/** A trimmed string of 1..max characters. */
/**
 * C0 and C1 control characters (NUL, line breaks, escape...) and lone surrogates: no name, reference or remittance
 * needs them, XML 1.0 cannot carry most of them (an ISO 20022 message with one is refused by the rail) and a log or
 * a legacy system's screen would show them as garbage.
 */
const CONTROL_OR_LONE_SURROGATE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function text(field: string, value: unknown, max: number): string {
  const s = typeof value === 'string' ? value.trim() : '';
  if (s.length === 0) throw badUserInput(field, `${field} is required`);
  if (s.length > max) throw badUserInput(field, `${field} is longer than ${max} characters`);
  if (CONTROL_OR_LONE_SURROGATE.test(s)) throw badUserInput(field, `${field} must not contain control characters or broken Unicode`);
  return s;
}

export function optionalText(field: string, value: unknown, max: number): string | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return null;
  return text(field, value, max);
}

export function record(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw badUserInput('input', 'input must be an object');
  return value as Record<string, unknown>;
}

/** The customer a customer-initiated journey acts for: only a customer may start one, for themselves. */
export function customerPrincipal(principal: Principal): string {
  if (principal.kind !== 'customer') throw forbidden('Only a signed-in customer can start this journey.');
  return principal.customerId;
}

/**
 * The customer a payment acts for: the signed-in customer, or, for a partner granted `payments:initiate`, the
 * customer of its live consent (the accounts it may pay from are checked against the consent as well).
 */
export function payingCustomer(principal: Principal): string {
  if (principal.kind === 'customer') return principal.customerId;
  if (principal.kind === 'partner') {
    const { consent } = principal;
    if (!principal.scopes.includes('payments:initiate')) throw forbidden('The partner was not granted payments:initiate.');
    if (!consent || !liveConsent(principal)) throw forbidden('The partner has no live consent to pay for this customer.');
    return consent.customerId;
  }
  throw forbidden('Only a customer, or a partner with their consent, can send a payment.');
}

/** A short stable digest of a reference, for identifiers with length limits (ISO 20022 EndToEndId: 35). */
export function digest(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * A card product the card processor is configured to issue (`known`: CARD_PROCESSOR_CARD_PRODUCTS), DEBIT_CLASSIC
 * when none is given. Checked before anything is written: an unknown one is the client's mistake, not a step that
 * fails halfway through a journey.
 */
export function cardProduct(field: string, value: unknown, known: readonly string[]): string {
  const product = optionalText(field, value, 32) ?? 'DEBIT_CLASSIC';
  if (!known.includes(product)) throw badUserInput(field, `${field} must be one of ${known.join(', ')}`);
  return product;
}
