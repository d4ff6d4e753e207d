import type { SimRequest, SimResponse } from '../http.js';
import { CURRENCY_DIGITS, digitsOf, eurRate, seedWallets } from './data.js';
import { divRound, formatDec, formatDecTrimmed, parseDec, pow10, toScale } from './decimal.js';

/** The FX wallet's state and operations: wallets, quotes and conversions (see server.ts for the dialect). */

const BAL_SCALE = 4;
const RATE_SCALE = 10;
/** The most owners one batch read may ask for. */
const MAX_OWNERS = 100;

interface WalletState {
  readonly walletId: string;
  readonly ownerId: string;
  /** Balances in units of 10^-4, in pocket order. */
  readonly pockets: Map<string, bigint>;
}

interface Quote {
  readonly id: string;
  readonly sellCcy: string;
  readonly buyCcy: string;
  readonly sell: bigint;
  readonly buy: bigint;
  /** Buy per sell at RATE_SCALE places. */
  readonly rate: bigint;
  /** Epoch seconds, with the fraction. */
  readonly expiresAt: number;
  readonly clientRef: string | null;
  /** What was asked, to tell a replay from a reused reference. */
  readonly request: string;
  conversionId: string | null;
}

interface Conversion {
  readonly id: string;
  readonly clientRef: string;
  readonly quote: Quote;
  readonly walletId: string;
  readonly createdAt: number;
  reversal: { readonly clientRef: string; readonly reversedAt: number } | null;
}

type Body = Record<string, unknown>;

export const fail = (status: number, code: string, detail: string): SimResponse => ({ status, json: { code, detail } });
export const invalid = (detail: string): SimResponse => fail(422, 'VALIDATION', detail);
export const notFound = (detail: string): SimResponse => fail(404, 'NOT_FOUND', detail);

function asBody(body: unknown): Body | null {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Body) : null;
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

const amount = (ccy: string, minor: bigint) => ({ ccy, amount: formatDec(minor, digitsOf(ccy)) });
const toBal = (ccy: string, minor: bigint): bigint => minor * pow10(BAL_SCALE - digitsOf(ccy));

export interface BookOptions {
  readonly ttlSeconds: number;
  readonly spreadBasisPoints: number;
  readonly nowSeconds: () => number;
}

/** Builds a fresh book from the sandbox seed; each simulator instance has its own. */
export function createBook({ ttlSeconds: ttl, spreadBasisPoints: initialSpread, nowSeconds }: BookOptions) {
  // The market moves: the sandbox control route (POST /__market) changes the spread of quotes made from then on.
  let spread = initialSpread;
  const wallets = new Map<string, WalletState>();
  const walletByOwner = new Map<string, WalletState>();
  for (const seed of seedWallets()) {
    const pockets = new Map<string, bigint>();
    for (const p of seed.pockets) {
      const parsed = parseDec(p.bal);
      const bal = parsed ? toScale(parsed, BAL_SCALE) : null;
      if (bal === null) throw new Error(`bad seed balance ${p.bal} ${p.ccy} in ${seed.walletId}`);
      pockets.set(p.ccy, bal);
    }
    const w: WalletState = { walletId: seed.walletId, ownerId: seed.ownerId, pockets };
    wallets.set(w.walletId, w);
    walletByOwner.set(w.ownerId, w);
  }
  const quotes = new Map<string, Quote>();
  const quoteByRef = new Map<string, Quote>();
  const conversions = new Map<string, Conversion>();
  const conversionByRef = new Map<string, Conversion>();
  const reversalByRef = new Map<string, Conversion>();
  let quoteSeq = 0;
  let conversionSeq = 0;

  const walletJson = (w: WalletState) => ({
    wallet_id: w.walletId,
    owner_id: w.ownerId,
    status: 'active',
    pockets: [...w.pockets].map(([ccy, bal]) => ({ ccy, bal: formatDec(bal, BAL_SCALE) })),
  });
  const quoteJson = (q: Quote) => ({
    quote_id: q.id,
    sell_ccy: q.sellCcy,
    buy_ccy: q.buyCcy,
    sell_amount: formatDec(q.sell, digitsOf(q.sellCcy)),
    buy_amount: formatDec(q.buy, digitsOf(q.buyCcy)),
    rate: formatDecTrimmed(q.rate, RATE_SCALE),
    expires_at: Math.floor(q.expiresAt),
    client_ref: q.clientRef,
    conversion_id: q.conversionId,
  });
  const conversionJson = (c: Conversion) => ({
    conversion_id: c.id,
    status: c.reversal ? 'reversed' : 'completed',
    client_ref: c.clientRef,
    quote_id: c.quote.id,
    wallet_id: c.walletId,
    sell: amount(c.quote.sellCcy, c.quote.sell),
    buy: amount(c.quote.buyCcy, c.quote.buy),
    rate: formatDecTrimmed(c.quote.rate, RATE_SCALE),
    created_at: c.createdAt,
    reversal: c.reversal ? { client_ref: c.reversal.clientRef, reversed_at: c.reversal.reversedAt } : null,
  });

  /** Buy per sell through EUR, less the spread, at RATE_SCALE places half to even. */
  function quoteRate(sellCcy: string, buyCcy: string): bigint {
    const s = eurRate(sellCcy);
    const b = eurRate(buyCcy);
    const numerator = b.digits * pow10(s.scale + RATE_SCALE) * BigInt(10_000 - spread);
    const denominator = s.digits * pow10(b.scale) * 10_000n;
    return divRound(numerator, denominator, 'half-even');
  }

  function createQuote(req: SimRequest): SimResponse {
    const body = asBody(req.body);
    if (!body) return invalid('the body must be a JSON object');
    const { sell_ccy: sellCcy, buy_ccy: buyCcy, sell_amount: sellText, buy_amount: buyText, client_ref: ref } = body;
    if (typeof sellCcy !== 'string' || !CURRENCY_DIGITS.has(sellCcy)) return invalid(`unknown sell_ccy ${String(sellCcy)}`);
    if (typeof buyCcy !== 'string' || !CURRENCY_DIGITS.has(buyCcy)) return invalid(`unknown buy_ccy ${String(buyCcy)}`);
    if (sellCcy === buyCcy) return invalid('sell_ccy and buy_ccy must differ');
    const hasSell = sellText !== undefined && sellText !== null;
    if (hasSell === (buyText !== undefined && buyText !== null)) return invalid('give exactly one of sell_amount and buy_amount');
    if (ref !== undefined && ref !== null && !nonEmptyString(ref)) return invalid('client_ref must be a non-empty string');
    const clientRef = nonEmptyString(ref) ? ref : null;

    const side = hasSell ? 'sell' : 'buy';
    const ccy = hasSell ? sellCcy : buyCcy;
    const parsed = parseDec(hasSell ? sellText : buyText);
    if (!parsed || parsed.digits <= 0n) return invalid(`${side}_amount must be a positive decimal string`);
    const given = toScale(parsed, digitsOf(ccy));
    if (given === null) return invalid(`${side}_amount has more decimal places than ${ccy} allows`);

    const request = JSON.stringify([sellCcy, buyCcy, side, given.toString()]);
    if (clientRef !== null) {
      const prior = quoteByRef.get(clientRef);
      if (prior) {
        return prior.request === request
          ? { status: 200, json: quoteJson(prior) }
          : fail(409, 'CLIENT_REF_REUSED', `client_ref ${clientRef} was used for another quote`);
      }
    }

    const rate = quoteRate(sellCcy, buyCcy);
    if (rate === 0n) return invalid(`no usable rate from ${sellCcy} to ${buyCcy}`);
    const es = pow10(digitsOf(sellCcy));
    const eb = pow10(digitsOf(buyCcy));
    const one = pow10(RATE_SCALE);
    const sell = hasSell ? given : divRound(given * es * one, rate * eb, 'ceil');
    const buy = hasSell ? divRound(given * rate * eb, es * one, 'floor') : given;
    if (buy <= 0n) return invalid('the amount is too small to convert');

    const quote: Quote = {
      id: `qt_${String(++quoteSeq).padStart(6, '0')}`,
      sellCcy,
      buyCcy,
      sell,
      buy,
      rate,
      // Exact: a quote lives its whole TTL whatever fraction of a second it was made in (the wire rounds down).
      expiresAt: nowSeconds() + ttl,
      clientRef,
      request,
      conversionId: null,
    };
    quotes.set(quote.id, quote);
    if (clientRef !== null) quoteByRef.set(clientRef, quote);
    return { status: 201, json: quoteJson(quote) };
  }

  function convert(req: SimRequest): SimResponse {
    const body = asBody(req.body);
    if (!body) return invalid('the body must be a JSON object');
    const { quote_id: quoteId, wallet_id: walletId, client_ref: clientRef } = body;
    if (!nonEmptyString(quoteId)) return invalid('quote_id is required');
    if (!nonEmptyString(walletId)) return invalid('wallet_id is required');
    if (!nonEmptyString(clientRef)) return invalid('client_ref is required');

    const prior = conversionByRef.get(clientRef);
    if (prior) {
      return prior.quote.id === quoteId && prior.walletId === walletId
        ? { status: 200, json: conversionJson(prior) }
        : fail(409, 'CLIENT_REF_REUSED', `client_ref ${clientRef} was used for another conversion`);
    }
    const quote = quotes.get(quoteId);
    if (!quote) return notFound(`no quote ${quoteId}`);
    const wallet = wallets.get(walletId);
    if (!wallet) return notFound(`no wallet ${walletId}`);
    if (quote.conversionId !== null) return fail(409, 'QUOTE_USED', `quote ${quoteId} was used by ${quote.conversionId}`);
    if (nowSeconds() >= quote.expiresAt) return fail(409, 'QUOTE_EXPIRED', `quote ${quoteId} expired at ${Math.floor(quote.expiresAt)}`);

    const debit = toBal(quote.sellCcy, quote.sell);
    const balance = wallet.pockets.get(quote.sellCcy);
    if (balance === undefined || balance < debit) {
      return fail(422, 'INSUFFICIENT_FUNDS', `pocket ${quote.sellCcy} of ${walletId} holds less than ${formatDec(debit, BAL_SCALE)}`);
    }
    wallet.pockets.set(quote.sellCcy, balance - debit);
    wallet.pockets.set(quote.buyCcy, (wallet.pockets.get(quote.buyCcy) ?? 0n) + toBal(quote.buyCcy, quote.buy));

    const conversion: Conversion = {
      id: `cv_${String(++conversionSeq).padStart(6, '0')}`,
      clientRef,
      quote,
      walletId,
      createdAt: Math.floor(nowSeconds()),
      reversal: null,
    };
    quote.conversionId = conversion.id;
    conversions.set(conversion.id, conversion);
    conversionByRef.set(clientRef, conversion);
    return { status: 201, json: conversionJson(conversion) };
  }

  function reverse(req: SimRequest): SimResponse {
    const id = req.params.conversion_id ?? '';
    const conversion = conversions.get(id);
    if (!conversion) return notFound(`no conversion ${id}`);
    const clientRef = asBody(req.body)?.client_ref;
    if (!nonEmptyString(clientRef)) return invalid('client_ref is required');
    if (conversion.reversal) {
      return conversion.reversal.clientRef === clientRef
        ? { status: 200, json: conversionJson(conversion) }
        : fail(409, 'ALREADY_REVERSED', `conversion ${id} was reversed with client_ref ${conversion.reversal.clientRef}`);
    }
    const other = reversalByRef.get(clientRef);
    if (other) return fail(409, 'CLIENT_REF_REUSED', `client_ref ${clientRef} reversed ${other.id}`);

    const wallet = wallets.get(conversion.walletId);
    if (!wallet) return notFound(`no wallet ${conversion.walletId}`);
    const { quote } = conversion;
    const debit = toBal(quote.buyCcy, quote.buy);
    const balance = wallet.pockets.get(quote.buyCcy) ?? 0n;
    if (balance < debit) {
      return fail(422, 'INSUFFICIENT_FUNDS', `pocket ${quote.buyCcy} of ${wallet.walletId} no longer holds the bought amount`);
    }
    wallet.pockets.set(quote.buyCcy, balance - debit);
    wallet.pockets.set(quote.sellCcy, (wallet.pockets.get(quote.sellCcy) ?? 0n) + toBal(quote.sellCcy, quote.sell));
    conversion.reversal = { clientRef, reversedAt: Math.floor(nowSeconds()) };
    reversalByRef.set(clientRef, conversion);
    return { status: 201, json: conversionJson(conversion) };
  }

  function listWallets(req: SimRequest): SimResponse {
    const raw = req.query.get('owner_ids');
    if (!raw) return invalid('owner_ids is required');
    const owners = [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
    if (owners.length > MAX_OWNERS) return invalid(`at most ${MAX_OWNERS} owner_ids a call`);
    const found = owners.flatMap((o) => {
      const w = walletByOwner.get(o);
      return w ? [walletJson(w)] : [];
    });
    return { json: { wallets: found } };
  }

  /** What became of a reference: the conversion made, or reversed, with it. */
  function findConversions(req: SimRequest): SimResponse {
    const ref = req.query.get('client_ref');
    if (!ref) return invalid('client_ref is required');
    const found = new Set([conversionByRef.get(ref), reversalByRef.get(ref)].filter((c) => c !== undefined));
    return { json: { conversions: [...found].map(conversionJson) } };
  }

  /** A GET of one record by its id parameter. */
  function byId<T>(map: ReadonlyMap<string, T>, param: string, what: string, toJson: (v: T) => unknown) {
    return (req: SimRequest): SimResponse => {
      const id = req.params[param] ?? '';
      const found = map.get(id);
      return found === undefined ? notFound(`no ${what} ${id}`) : { json: toJson(found) };
    };
  }

  function setSpread(basisPoints: number): void {
    spread = basisPoints;
  }

  return {
    setSpread,
    listWallets,
    getWallet: byId(wallets, 'wallet_id', 'wallet', walletJson),
    createQuote,
    getQuote: byId(quotes, 'quote_id', 'quote', quoteJson),
    convert,
    findConversions,
    getConversion: byId(conversions, 'conversion_id', 'conversion', conversionJson),
    reverse,
  };
}
