import { moneyFromDecimalString, type Money } from '../../lib/money.js';
import type { BreakerOptions, RetryOptions } from '../http.js';
import { Iso20022RailConnector, type Iso20022RailOptions } from './iso20022.js';
import type { PaymentRail } from './types.js';

/**
 * Payment rails: money leaving the bank. Adding a rail is a connector (one per dialect; ISO 20022 rails share
 * Iso20022RailConnector) plus one entry of configuration; routing reads the configuration, it has no rail names in it.
 */

export type { Payout, RailStatus, PaymentRail } from './types.js';
export { Iso20022RailConnector, type Iso20022RailOptions } from './iso20022.js';
export { InvalidRailReport, readRailReport, type ChargeBearer, type RailReport } from './wire.js';

/** The SEPA scheme area (ISO 3166 alpha-2): EU and EEA, CH, GB, the micro-states, and territories with their own code. */
export const SEPA_COUNTRIES: readonly string[] = Object.freeze([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT',
  'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO', 'CH', 'GB', 'MC', 'SM', 'VA', 'AD', 'GI', 'GG',
  'JE', 'IM', 'AX', 'GF', 'GP', 'MQ', 'RE', 'YT', 'PM', 'BL', 'MF',
]);

/** One rail of configuration: everything but where it is and how patient to be with it. */
export type RailConfig = Omit<Iso20022RailOptions, 'baseUrl' | 'timeoutMs' | 'retry' | 'breaker'>;

/** The sandbox's rails in preference order (legacy/payment-rail): a cheap instant rail first, the correspondent network after. */
export const SANDBOX_RAILS: readonly RailConfig[] = [
  {
    name: 'instant-eur',
    pathPrefix: '/instant',
    currencies: ['EUR'],
    countries: SEPA_COUNTRIES,
    maxAmount: moneyFromDecimalString('100000.00', 'EUR'),
    chargeBearer: 'SLEV',
  },
  {
    name: 'correspondent',
    pathPrefix: '/correspondent',
    currencies: 'ANY',
    // The correspondent rail's limit is 1000000.00 major units in whatever currency the payment is in.
    maxAmount: moneyFromDecimalString('1000000.00', 'EUR'),
    chargeBearer: 'SHAR',
  },
];

export interface RailOverrides {
  readonly timeoutMs?: number;
  readonly breaker?: BreakerOptions;
  readonly retry?: RetryOptions;
}

/** Connectors for these rails, all on one host (`baseUrl`), in the configured order. */
export function createRails(baseUrl: string, configs: readonly RailConfig[], overrides: RailOverrides = {}): PaymentRail[] {
  return configs.map(
    (config) =>
      new Iso20022RailConnector({
        ...config,
        baseUrl,
        ...(overrides.timeoutMs !== undefined ? { timeoutMs: overrides.timeoutMs } : {}),
        ...(overrides.retry ? { retry: overrides.retry } : {}),
        ...(overrides.breaker ? { breaker: overrides.breaker } : {}),
      }),
  );
}

/** [instant-eur, correspondent] against the payment rail simulator at `baseUrl`. */
export function createSandboxRails(baseUrl: string, overrides: RailOverrides = {}): PaymentRail[] {
  return createRails(baseUrl, SANDBOX_RAILS, overrides);
}

/**
 * The rails that can carry this payment, in preference order: configured order, except that rails whose breaker is
 * open go to the end (still listed: they are the last resort, and a half-open trial may find them back).
 *
 * Moving to the next rail is safe only when the payment certainly did not reach the one before: after a timeout or
 * a dropped connection, ask that rail's `status(endToEndId)` first (null = never received).
 */
export function routePayment(rails: readonly PaymentRail[], p: { currency: string; country: string; amount: Money }): PaymentRail[] {
  const able = rails.filter((rail) => rail.canCarry(p));
  return [...able.filter((rail) => rail.available), ...able.filter((rail) => !rail.available)];
}
