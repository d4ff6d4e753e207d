import { Simulator } from '../http.js';
import { eurofxrefXml } from './data.js';
import { createBook, notFound } from './book.js';

/**
 * The FX wallet simulator: multi-currency wallets, ECB reference rates, quotes and conversions.
 *
 * Its API, under /api, is our own OpenAPI 3.1 document schema/legacy-apis/fx-wallet.openapi.yaml (the contract;
 * this is a summary):
 *   GET  /api/wallets?owner_ids=a,b          { wallets: [...] } (at most 100 owners a call; unknown owners are left out)
 *   GET  /api/wallets/:wallet_id             one wallet; balances are decimal strings with four places, always
 *   GET  /api/rates/eurofxref-daily.xml      ECB reference rates (text/xml, EUR base)
 *   POST /api/quotes                         201 quote; rate = buy per sell through EUR, less the spread
 *   GET  /api/quotes/:quote_id
 *   POST /api/conversions                    201 conversion (200 on a replayed client_ref)
 *   GET  /api/conversions?client_ref=r       { conversions: [...] } made or reversed with that reference
 *   GET  /api/conversions/:conversion_id
 *   POST /api/conversions/:id/reversal       201 unwinds at the original amounts (200 on a replayed client_ref)
 * Errors: { code, detail } with VALIDATION (422; 400 for malformed JSON, 413 for a body over 1 MiB), NOT_FOUND
 * (404), QUOTE_EXPIRED, QUOTE_USED, CLIENT_REF_REUSED, ALREADY_REVERSED (409), INSUFFICIENT_FUNDS (422), INTERNAL (500).
 *
 * Amounts are rounded in the wallet's favour: the buy amount of a sell-side quote is rounded down, the sell
 * amount of a buy-side quote up. The rate is kept to 10 places (half to even).
 */

export interface FxWalletSimulatorOptions {
  /** How long a quote may be used, seconds. @default 30 */
  readonly quoteTtlSeconds?: number;
  /** The wallet's margin on the mid rate, basis points. @default 50 */
  readonly spreadBasisPoints?: number;
  /** The wallet's clock. */
  readonly now?: () => Date;
}

export function createFxWalletSimulator(options: FxWalletSimulatorOptions = {}): Simulator {
  const ttl = options.quoteTtlSeconds ?? 30;
  const spread = options.spreadBasisPoints ?? 50;
  const now = options.now ?? (() => new Date());
  if (!Number.isInteger(ttl) || ttl < 0) throw new RangeError('quoteTtlSeconds must be a non-negative integer');
  if (!Number.isInteger(spread) || spread < 0 || spread >= 10_000) {
    throw new RangeError('spreadBasisPoints must be an integer from 0 to 9999');
  }
  const book = createBook({ ttlSeconds: ttl, spreadBasisPoints: spread, nowSeconds: () => now().getTime() / 1000 });

  return new Simulator({
    system: 'fx-wallet',
    serverError: (message) => ({ status: 500, json: { code: 'INTERNAL', detail: message } }),
    notFound: (method, path) => notFound(`no route ${method} ${path}`),
    // Its one error body, {code, detail}, for a body it cannot read too (schema/legacy-apis/fx-wallet.openapi.yaml).
    unreadableBody: (status, message) => ({ status, json: { code: 'VALIDATION', detail: message } }),
  })
    .route('GET', '/api/wallets', book.listWallets)
    .route('GET', '/api/wallets/:wallet_id', book.getWallet)
    .route('GET', '/api/rates/eurofxref-daily.xml', () => ({ text: eurofxrefXml(), contentType: 'text/xml' }))
    .route('POST', '/api/quotes', book.createQuote)
    .route('GET', '/api/quotes/:quote_id', book.getQuote)
    .route('POST', '/api/conversions', book.convert)
    .route('GET', '/api/conversions', book.findConversions)
    .route('GET', '/api/conversions/:conversion_id', book.getConversion)
    .route('POST', '/api/conversions/:conversion_id/reversal', book.reverse)
    // Sandbox control, like /__faults: move the market (the spread of quotes made from now on), e.g. to show an
    // expired quote whose re-quote is beyond the bank's tolerance. { "spreadBasisPoints": 400 }
    .route('POST', '/__market', (req) => {
      const bp = (req.body as { spreadBasisPoints?: unknown } | undefined)?.spreadBasisPoints;
      if (typeof bp !== 'number' || !Number.isInteger(bp) || bp < 0 || bp >= 10_000) {
        return { status: 422, json: { code: 'VALIDATION', detail: 'spreadBasisPoints must be an integer from 0 to 9999' } };
      }
      book.setSpread(bp);
      return { json: { spreadBasisPoints: bp } };
    });
}
