import { badUserInput, BankError, ErrorCode, UpstreamError } from '../../../lib/errors.js';
import { ibanCountry, normaliseBic, normaliseIban } from '../../../lib/banking-ids.js';
import { formatDecimal, toDecimalString, type Decimal, type Money } from '../../../lib/money.js';
import { routePayment, type PaymentRail, type RailStatus } from '../../../connectors/payment-rail/index.js';
import { StepPending, StepRejected, type FlowDefinition, type Json, type StepContext } from '../engine/types.js';
import { notify } from '../blocks/notify.js';
import { convertWithRequote } from '../blocks/requote.js';
import { findConversion, quoteTerms, type ConversionOut } from './conversions.js';
import type { JourneyDeps } from './deps.js';
import { afterEarlierCreations } from './kyc.js';
import { amountInput, currencyCode, digest, fromJsonMoney, optionalText, payingCustomer, record, text, toJsonMoney, type JsonMoney } from './inputs.js';

/**
 * sendInternationalPayment: screen the beneficiary, quote the FX, debit the customer's account, convert through the
 * bank's treasury wallet, choose a rail, pay out on it, wait for settlement, notify. A payout the rail rejects refunds the
 * debit and unwinds the conversion (newest first). Money is checked at every step: the debit is what the quote
 * sold; the payout is what the customer asked the beneficiary to receive.
 */

export type PaymentInput = {
  customerId: string;
  sourceAccountId: string;
  /** The source account's currency (looked up with the ownership check before the journey starts). */
  sourceCurrency: string;
  /** What the beneficiary receives. */
  amount: JsonMoney;
  beneficiary: { name: string; iban: string; bic: string; country: string };
  remittance: string | null;
};

export const SEND_INTERNATIONAL_PAYMENT = 'SEND_INTERNATIONAL_PAYMENT';
/** The step that waits for the rail's settlement: what a pushed report wakes (inbound/payment-rail.ts). */
export const AWAIT_SETTLEMENT = 'awaitSettlement';

type QuoteOut = { quoteId: string; sell: JsonMoney; buy: JsonMoney; rate: string; expiresAt: string };
type DebitOut = { transactionId: string; amount: JsonMoney };
type ConvertOut = ConversionOut;
type ChooseOut = { rail: string; endToEndId: string };
type PayOutOut = { rail: string; endToEndId: string; state: string };

const needsFx = (ctx: StepContext<PaymentInput>) => ctx.input.sourceCurrency !== ctx.input.amount.currency;

export function sendInternationalPaymentFlow(deps: JourneyDeps): FlowDefinition<PaymentInput> {
  const toleranceBp = BigInt(deps.requoteToleranceBp ?? 50);
  const firstCheckMs = deps.settlementFirstCheckMs ?? SETTLEMENT_FIRST_CHECK_MS;
  const railNamed = (name: string): PaymentRail => {
    const rail = deps.rails.find((r) => r.name === name);
    if (!rail) throw new BankError(ErrorCode.INTERNAL_SERVER_ERROR, `payment rail ${name} is not configured`);
    return rail;
  };
  /** The ISO 20022 EndToEndId (at most 35 characters): derived from the journey, the same on every attempt. */
  const endToEndIdOf = (ctx: StepContext<PaymentInput>) => `BG${digest(`${ctx.journeyId}.payOut`, 32)}`;

  return {
    type: SEND_INTERNATIONAL_PAYMENT,

    validate(raw, principal): PaymentInput {
      const customerId = payingCustomer(principal);
      const input = record(raw);
      const b = record(input.beneficiary ?? {});
      const amount = amountInput('amount', record(input.amount ?? {}).amount, record(input.amount ?? {}).currency);
      let iban: string;
      let bic: string;
      try {
        iban = normaliseIban(String(b.iban ?? ''));
      } catch (err) {
        throw badUserInput('beneficiary.iban', (err as Error).message);
      }
      try {
        bic = normaliseBic(String(b.bic ?? ''));
      } catch (err) {
        throw badUserInput('beneficiary.bic', (err as Error).message);
      }
      const country = text('beneficiary.country', b.country, 2).toUpperCase();
      if (!/^[A-Z]{2}$/.test(country)) throw badUserInput('beneficiary.country', 'beneficiary.country must be an ISO 3166 alpha-2 code such as DE');
      if (ibanCountry(iban) !== country) throw badUserInput('beneficiary.country', `the IBAN is of ${ibanCountry(iban)}, not ${country}`);
      return {
        customerId,
        sourceAccountId: text('sourceAccountId', input.sourceAccountId, 64),
        sourceCurrency: currencyCode('sourceCurrency', input.sourceCurrency),
        amount: toJsonMoney(amount),
        beneficiary: { name: text('beneficiary.name', b.name, 140), iban, bic, country },
        remittance: optionalText('remittance', input.remittance, 140),
      };
    },

    customerOf: (input) => input.customerId,

    steps: [
      {
        // Onfido screens people it holds as applicants: an applicant for the payee and a check with a watchlist
        // report, each made once per reference (the KYC ledger). The check is synchronous at Onfido; one that is
        // still pending all the same is asked again, and a withdrawn one gives no answer: the payment stops.
        name: 'screenBeneficiary',
        readOnly: true,
        async run(ctx) {
          const screening = await afterEarlierCreations(() => deps.kycProvider.screenName({ fullName: ctx.input.beneficiary.name }, ctx.reference, deps.kycApplicants.ledger));
          if (screening.status === 'PENDING') throw new StepPending(150, `screening ${screening.onfidoStatus.replace(/_/g, ' ')}`);
          if (screening.status === 'WITHDRAWN') throw new StepRejected('SCREENING_WITHDRAWN', 'the beneficiary screening was withdrawn at the KYC provider');
          if (screening.hit) throw new StepRejected('SANCTIONS_HIT', `the beneficiary matches a sanctions list (${screening.lists.join(', ')})`);
          return { screeningId: screening.screeningId };
        },
      },
      {
        name: 'quoteConversion',
        readOnly: true,
        skipIf: (ctx) => !needsFx(ctx),
        async run(ctx): Promise<QuoteOut> {
          const quote = await deps.fxWallet.createQuote({
            sell: ctx.input.sourceCurrency,
            buy: ctx.input.amount.currency,
            buyAmount: fromJsonMoney(ctx.input.amount),
            reference: ctx.reference,
          });
          return quoteOut(quote);
        },
      },
      {
        name: 'debitSourceAccount',
        async run(ctx): Promise<DebitOut> {
          const amount = needsFx(ctx) ? fromJsonMoney((ctx.state.quoteConversion as QuoteOut).sell) : fromJsonMoney(ctx.input.amount);
          try {
            const { transactionId } = await deps.coreBanking.withdraw({ accountId: ctx.input.sourceAccountId, amount, reference: ctx.reference });
            // Defence in depth: core banking answers a known reference with its first transaction. If that debit was
            // already refunded (its undo exists), this journey id was run before: never pay out on a refunded debit.
            if (await deps.coreBanking.findTransactionByReference(ctx.input.sourceAccountId, `${ctx.reference}.undo`)) {
              throw new StepRejected('DEBIT_ALREADY_REFUNDED', 'this payment reference was debited and refunded before');
            }
            return { transactionId, amount: toJsonMoney(amount) };
          } catch (err) {
            if (err instanceof BankError && err.code === ErrorCode.INSUFFICIENT_FUNDS) {
              throw new StepRejected('INSUFFICIENT_FUNDS', 'the source account does not have enough available funds');
            }
            throw err;
          }
        },
        async recover(ctx) {
          const txn = await deps.coreBanking.findTransactionByReference(ctx.input.sourceAccountId, ctx.reference);
          if (!txn) return null;
          // Someone reversed the debit in core banking: no money is held for this payment, and running the step
          // again would only get the same (reversed) transaction back. Stop rather than pay out unfunded.
          if (txn.reversed) throw new StepRejected('DEBIT_REVERSED', 'the debit was reversed in core banking');
          return { transactionId: txn.id, amount: toJsonMoney(txn.amount) };
        },
        async compensate(ctx, output) {
          // The refund carries its own reference: however often this runs, the customer is refunded once.
          const { amount } = output as DebitOut;
          await deps.coreBanking.deposit({ accountId: ctx.input.sourceAccountId, amount: fromJsonMoney(amount), reference: ctx.reference });
        },
      },
      {
        name: 'convertCurrency',
        skipIf: (ctx) => !needsFx(ctx),
        async run(ctx): Promise<ConvertOut> {
          const quote = ctx.state.quoteConversion as QuoteOut;
          // A quote that expired between the debit and the conversion is re-quoted once, and goes ahead only if the new
          // price is within the tolerance of what the customer was debited (the bank absorbs that small difference).
          return convertWithRequote({
            reference: ctx.reference,
            quoteId: quote.quoteId,
            promised: { side: 'sell', minor: fromJsonMoney((ctx.state.debitSourceAccount as DebitOut).amount).minor },
            toleranceBp,
            convert: (quoteId, reference, requoted) => convert(ctx, quoteId, reference, requoted),
            requote: async (reference) =>
              quoteTerms(
                await deps.fxWallet.createQuote({ sell: ctx.input.sourceCurrency, buy: ctx.input.amount.currency, buyAmount: fromJsonMoney(ctx.input.amount), reference }),
              ),
          });
        },
        recover: (ctx) => findConversion(deps.fxWallet, ctx.reference),
        async compensate(ctx, output) {
          await deps.fxWallet.reverseConversion((output as ConvertOut).conversionId, ctx.reference);
        },
      },
      {
        // The rail is chosen, and the choice persisted, before anything is sent anywhere: a payout then only ever
        // goes to that rail, so a retry or a takeover can never send it to a second one. The choice passes over rails
        // that are down (they do not answer) or whose breaker is open. (No rail can hold this payment yet: payOut runs
        // only after this choice is persisted, and journey ids are never reissued.)
        name: 'chooseRail',
        readOnly: true,
        async run(ctx): Promise<ChooseOut> {
          const amount = fromJsonMoney(ctx.input.amount);
          const { country } = ctx.input.beneficiary;
          const candidates = routePayment(deps.rails, { currency: amount.currency, country, amount });
          if (candidates.length === 0) throw new StepRejected('NO_RAIL', `no payment rail carries ${amount.currency} to ${country}`);
          const endToEndId = endToEndIdOf(ctx);
          // Before the rail can have it: a report the rail pushes about this EndToEndId then finds this journey.
          await deps.references.link('payment-rail', endToEndId, ctx.journeyId);
          let lastError: unknown;
          for (const rail of candidates) {
            if (!rail.available) continue;
            try {
              await rail.status(endToEndId); // answers (null or a status): the rail is up
              return { rail: rail.name, endToEndId };
            } catch (err) {
              lastError = err;
            }
          }
          throw lastError ?? new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, 'payment-rail', 'no payment rail is available', { route: 'choose' });
        },
      },
      {
        name: 'payOut',
        async run(ctx): Promise<PayOutOut> {
          const { rail, endToEndId } = ctx.state.chooseRail as ChooseOut;
          // The EndToEndId is the rail's idempotency reference: sending again never pays twice.
          const status = await railNamed(rail).submit({
            endToEndId,
            amount: fromJsonMoney(ctx.input.amount),
            debtor: deps.bank,
            creditor: ctx.input.beneficiary,
            ...(ctx.input.remittance ? { remittance: ctx.input.remittance } : {}),
          });
          if (status.state === 'REJECTED') throw payoutRejected(status);
          return { rail, endToEndId, state: status.state };
        },
        async recover(ctx) {
          const { rail, endToEndId } = ctx.state.chooseRail as ChooseOut;
          const status = await railNamed(rail).status(endToEndId);
          if (!status) return null;
          if (status.state === 'REJECTED') throw payoutRejected(status);
          return { rail, endToEndId, state: status.state };
        },
      },
      {
        name: AWAIT_SETTLEMENT,
        readOnly: true,
        // The point of no return: the rail has the payout. Only the rail's own rejection may undo the debit; anything
        // else (settlement slower than expected, the rail's status route down) is for a person, with nothing undone.
        onFailure: 'park',
        // Correspondent payments after the cut-off settle the next business day: keep checking, patiently. The checks
        // back off from the rail's 250 ms to every 3 minutes (about 730 in 36 h, one attempt entry), each a delayed job.
        // A report the rail pushes (inbound/payment-rail.ts) cuts the wait short; the check still decides.
        pendingBudgetMs: 36 * 60 * 60 * 1000,
        pendingMaxDelayMs: Math.max(3 * 60 * 1000, firstCheckMs),
        retry: { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 5000 },
        async run(ctx) {
          const payout = ctx.state.payOut as PayOutOut;
          const status = await railNamed(payout.rail).status(payout.endToEndId);
          if (!status) throw new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, payout.rail, 'the rail does not know the payment it accepted', { route: 'status' });
          switch (status.state) {
            case 'SETTLED':
              return { settlementDate: status.settlementDate };
            case 'REJECTED':
              throw payoutRejected(status);
            case 'RECEIVED':
            case 'ACCEPTED':
              // Each check is a pacs.028 to the rail: the engine backs off from these 250 ms to pendingMaxDelayMs.
              // The rail's own answer decides, never a pushed report: a forged or stale report costs one pacs.028.
              throw new StepPending(firstCheckMs, `payment ${status.state.toLowerCase()}, not settled yet`);
          }
        },
      },
      notify<PaymentInput>(deps, {
        name: 'notifyCustomer',
        template: 'international-payment-sent',
        to: { customerOf: (ctx) => ctx.input.customerId },
        params: (ctx) => {
          const amount = fromJsonMoney(ctx.input.amount);
          return { amount: toDecimalString(amount), currency: amount.currency, beneficiary: ctx.input.beneficiary.name, endToEndId: (ctx.state.payOut as PayOutOut).endToEndId };
        },
      }),
    ],

    result(rec): Json {
      const s = rec.state as Record<string, Json | undefined>;
      const debit = s.debitSourceAccount as DebitOut | undefined;
      const payout = s.payOut as PayOutOut | undefined;
      const conversion = s.convertCurrency as ConvertOut | undefined;
      return {
        debited: debit?.amount ?? null,
        paidOut: rec.status === 'COMPLETED' ? (rec.input as PaymentInput).amount : null,
        rail: payout?.rail ?? null,
        endToEndId: payout?.endToEndId ?? null,
        requoted: conversion?.requoted ?? false,
      };
    },
  };

  async function convert(ctx: StepContext<PaymentInput>, quoteId: string, reference: string, requoted: boolean): Promise<ConvertOut> {
    const done = await deps.fxWallet.convert({ quoteId, walletId: deps.treasuryWalletId, reference });
    return { conversionId: done.conversionId, sold: toJsonMoney(done.sell), bought: toJsonMoney(done.buy), requoted };
  }
}

function quoteOut(q: { id: string; sell: Money; buy: Money; rate: Decimal; expiresAt: string }): QuoteOut {
  return { quoteId: q.id, sell: toJsonMoney(q.sell), buy: toJsonMoney(q.buy), rate: formatDecimal(q.rate), expiresAt: q.expiresAt };
}

const REASONS: Readonly<Record<string, string>> = {
  AC01: 'incorrect account number',
  AC04: 'closed account',
  AM02: 'amount not allowed on this rail',
  AM04: 'insufficient funds at an intermediary bank',
};

/** The first wait before asking the rail again about a payout on its way; the engine doubles it per check. */
const SETTLEMENT_FIRST_CHECK_MS = 250;

function payoutRejected(status: RailStatus): StepRejected {
  const code = status.reasonCode ?? 'NARR';
  return new StepRejected('PAYOUT_REJECTED', `the payment was rejected by the rail: ${code} (${REASONS[code] ?? 'see the rail'})`);
}
