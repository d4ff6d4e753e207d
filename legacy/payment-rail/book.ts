import {
  cutOffMinutes,
  isBusinessDay,
  isoDate,
  maxMinor,
  nextBusinessDay,
  RAILS,
  REASONS,
  TRIGGER_IBANS,
  type RailName,
  type RailRules,
  type ReasonCode,
} from './data.js';
import { RailError, type Creditor, type Pacs008 } from './wire.js';

/**
 * One rail's book: the payments it has received, keyed by EndToEndId (the idempotency reference), and where each
 * stands. Settlement is asynchronous and follows the rail's clock: a payment's status is worked out from the time it
 * was received, so nothing runs in the background and an injected clock moves payments along.
 */

export type TxSts = 'RCVD' | 'ACSP' | 'ACSC' | 'RJCT';
export const TX_STATUSES: readonly TxSts[] = ['RCVD', 'ACSP', 'ACSC', 'RJCT'];

type Outcome =
  | { readonly kind: 'settle'; readonly afterMs: number; readonly sttlmDt: string | null }
  | { readonly kind: 'reject'; readonly afterMs: number; readonly reason: ReasonCode };

interface PaymentRecord {
  readonly payment: Pacs008;
  readonly receivedAt: number;
  readonly outcome: Outcome;
}

/** The pacs.002-style status (FIToFIPaymentStatusReport) the rail answers with. */
export interface Pacs002 {
  GrpHdr: { MsgId: string; CreDtTm: string };
  OrgnlGrpInfAndSts: { OrgnlMsgId: string; OrgnlMsgNmId: 'pacs.008.001.08' };
  TxInfAndSts: {
    OrgnlEndToEndId: string;
    OrgnlTxId: string;
    TxSts: TxSts;
    StsRsnInf?: { Rsn: { Cd: ReasonCode }; AddtlInf: string };
    AccptncDtTm?: string;
    SttlmDt?: string;
  };
}

export interface BookEntry {
  EndToEndId: string;
  Ccy: string;
  value: string;
  TxSts: TxSts;
  Cdtr: Creditor;
}

export interface BookOptions {
  readonly rail: RailName;
  readonly now: () => Date;
  readonly settlementDelayMs: number;
  /** "HH:MM" UTC; only rails with a cut-off use it. */
  readonly cutOffUtc: string;
}

export class RailBook {
  private readonly payments = new Map<string, PaymentRecord>();
  private readonly rules: RailRules;
  private readonly cutOff: number;
  private statusCounter = 0;

  constructor(private readonly options: BookOptions) {
    this.rules = RAILS[options.rail];
    this.cutOff = cutOffMinutes(options.cutOffUtc);
  }

  /** Receives a payment, or answers for the one already received under its EndToEndId (never pays twice). */
  submit(payment: Pacs008): { status: Pacs002; created: boolean } {
    const seen = this.payments.get(payment.endToEndId);
    if (seen) {
      if (seen.payment.fingerprint !== payment.fingerprint) {
        throw new RailError(409, 'DUPLICATE_REFERENCE', `EndToEndId ${payment.endToEndId} was already used for a different payment`);
      }
      return { status: this.report(seen), created: false };
    }
    const receivedAt = this.options.now().getTime();
    const record: PaymentRecord = { payment, receivedAt, outcome: this.decide(payment, receivedAt) };
    this.payments.set(payment.endToEndId, record);
    return { status: this.report(record), created: true };
  }

  /** The current status of a payment, or undefined when the rail never received it. */
  status(endToEndId: string): Pacs002 | undefined {
    const record = this.payments.get(endToEndId);
    return record ? this.report(record) : undefined;
  }

  /** The book, in the order received, optionally only the payments with one status. */
  list(status?: TxSts): BookEntry[] {
    const now = this.options.now().getTime();
    const out: BookEntry[] = [];
    for (const record of this.payments.values()) {
      const TxSts = this.txSts(record, now);
      if (status !== undefined && TxSts !== status) continue;
      const { endToEndId, ccy, value, cdtr } = record.payment;
      out.push({ EndToEndId: endToEndId, Ccy: ccy, value, TxSts, Cdtr: cdtr });
    }
    return out;
  }

  /** What will become of a payment, decided once when it arrives (sandbox triggers in data.ts). */
  private decide(payment: Pacs008, receivedAt: number): Outcome {
    const delay = this.options.settlementDelayMs;
    if (payment.minor > maxMinor(this.rules, payment.exponent)) return { kind: 'reject', afterMs: 0, reason: 'AM02' };
    const accountReason = TRIGGER_IBANS[payment.creditorIban];
    if (accountReason) return { kind: 'reject', afterMs: delay / 3, reason: accountReason };
    if (this.rules.intermediaryTrigger && payment.value.endsWith('.13')) {
      return { kind: 'reject', afterMs: delay / 3, reason: 'AM04' };
    }
    if (!this.rules.hasCutOff) return { kind: 'settle', afterMs: delay, sttlmDt: null };
    const at = new Date(receivedAt);
    const late = !isBusinessDay(receivedAt) || at.getUTCHours() * 60 + at.getUTCMinutes() >= this.cutOff;
    return late
      ? { kind: 'settle', afterMs: 3 * delay, sttlmDt: nextBusinessDay(receivedAt) }
      : { kind: 'settle', afterMs: delay, sttlmDt: isoDate(receivedAt) };
  }

  private txSts(record: PaymentRecord, now: number): TxSts {
    const elapsed = now - record.receivedAt;
    const { outcome } = record;
    if (outcome.kind === 'reject') return elapsed >= outcome.afterMs ? 'RJCT' : 'RCVD';
    if (elapsed >= outcome.afterMs) return 'ACSC';
    return elapsed >= this.acceptAfterMs() ? 'ACSP' : 'RCVD';
  }

  private acceptAfterMs(): number {
    return this.options.settlementDelayMs / 3;
  }

  private report(record: PaymentRecord): Pacs002 {
    const nowDate = this.options.now();
    const now = nowDate.getTime();
    const TxSts = this.txSts(record, now);
    const { payment, outcome } = record;
    this.statusCounter += 1;
    const tx: Pacs002['TxInfAndSts'] = { OrgnlEndToEndId: payment.endToEndId, OrgnlTxId: payment.txId, TxSts };
    if (TxSts === 'RJCT' && outcome.kind === 'reject') {
      tx.StsRsnInf = { Rsn: { Cd: outcome.reason }, AddtlInf: REASONS[outcome.reason] };
    }
    if (TxSts === 'ACSP' || TxSts === 'ACSC') {
      tx.AccptncDtTm = new Date(record.receivedAt + this.acceptAfterMs()).toISOString();
    }
    if (outcome.kind === 'settle') {
      // The correspondent rail says at once on which day it will settle; the instant rail once it has (24/7).
      if (outcome.sttlmDt !== null) tx.SttlmDt = outcome.sttlmDt;
      else if (TxSts === 'ACSC') tx.SttlmDt = isoDate(record.receivedAt + outcome.afterMs);
    }
    return {
      GrpHdr: { MsgId: `${this.options.rail.slice(0, 4).toUpperCase()}STS${String(this.statusCounter).padStart(10, '0')}`, CreDtTm: nowDate.toISOString() },
      OrgnlGrpInfAndSts: { OrgnlMsgId: payment.msgId, OrgnlMsgNmId: 'pacs.008.001.08' },
      TxInfAndSts: tx,
    };
  }
}
