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
  returned?: PaymentReturn;
}

/** What a pacs.002 (FIToFIPaymentStatusReport) about one payment says; messages.ts writes it as XML. */
export interface StatusReport {
  readonly msgId: string;
  readonly creDtTm: string;
  /** The pacs.008 the report is about. */
  readonly orgnlMsgId: string;
  readonly endToEndId: string;
  readonly txId: string;
  readonly uetr?: string;
  readonly txSts: TxSts;
  readonly reason?: { readonly code: ReasonCode; readonly text: string };
  readonly accptncDtTm?: string;
  /** The interbank settlement date (FctvIntrBkSttlmDt), once the rail has named one. */
  readonly sttlmDt?: string;
}

/** A settled payment the rail has sent back (pacs.004 PaymentReturn). */
export interface PaymentReturn {
  readonly msgId: string;
  readonly creDtTm: string;
  readonly rtrId: string;
  readonly orgnlMsgId: string;
  readonly endToEndId: string;
  readonly txId: string;
  readonly uetr?: string;
  readonly ccy: string;
  readonly value: string;
  /** The day the money went back. */
  readonly sttlmDt: string;
  readonly reason: ReturnReason;
}

/** ISO 20022 return reasons the sandbox uses (ExternalReturnReason1Code). */
export const RETURN_REASONS = {
  AC04: 'Closed account number',
  AC06: 'Blocked account',
  MD07: 'End customer deceased',
  FOCR: 'Following cancellation request',
} as const;
export type ReturnReason = keyof typeof RETURN_REASONS;

export interface BookEntry {
  EndToEndId: string;
  Ccy: string;
  value: string;
  TxSts: TxSts;
  Cdtr: Creditor;
  /** The return reason once the rail has sent the settled payment back (pacs.004). */
  RtrRsn?: ReturnReason;
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
  submit(payment: Pacs008): { status: StatusReport; created: boolean } {
    const seen = this.payments.get(payment.endToEndId);
    if (seen) {
      if (seen.payment.fingerprint !== payment.fingerprint) {
        throw new RailError(409, 'DUPL', `EndToEndId ${payment.endToEndId} was already used for a different payment`, payment.msgId);
      }
      return { status: this.report(seen), created: false };
    }
    const receivedAt = this.options.now().getTime();
    const record: PaymentRecord = { payment, receivedAt, outcome: this.decide(payment, receivedAt) };
    this.payments.set(payment.endToEndId, record);
    return { status: this.report(record), created: true };
  }

  /**
   * What the rail answers a status request with: the current status report, the return when the payment was sent
   * back, or undefined when the rail never received it.
   */
  status(endToEndId: string): StatusReport | PaymentReturn | undefined {
    const record = this.payments.get(endToEndId);
    if (!record) return undefined;
    return record.returned ?? this.report(record);
  }

  /**
   * Sends a settled payment back (a sandbox trigger: what the creditor's bank does when the account turns out closed
   * or blocked). Only once: a second return of the same payment answers the first. Throws when there is no settled
   * payment under that EndToEndId.
   */
  returnPayment(endToEndId: string, reason: ReturnReason): PaymentReturn {
    const record = this.payments.get(endToEndId);
    if (!record || this.txSts(record, this.options.now().getTime()) !== 'ACSC') {
      throw new RangeError(`the ${this.options.rail} rail has no settled payment with EndToEndId ${endToEndId}`);
    }
    if (record.returned) return record.returned;
    const nowDate = this.options.now();
    const n = this.nextCounter();
    const { payment } = record;
    record.returned = {
      msgId: this.messageId('RTR', n),
      creDtTm: nowDate.toISOString(),
      rtrId: this.messageId('R', n),
      orgnlMsgId: payment.msgId,
      endToEndId: payment.endToEndId,
      txId: payment.txId,
      ...(payment.uetr !== undefined ? { uetr: payment.uetr } : {}),
      ccy: payment.ccy,
      value: payment.value,
      sttlmDt: isoDate(nowDate.getTime()),
      reason,
    };
    return record.returned;
  }

  /** The book, in the order received, optionally only the payments with one status. */
  list(status?: TxSts): BookEntry[] {
    const now = this.options.now().getTime();
    const out: BookEntry[] = [];
    for (const record of this.payments.values()) {
      const TxSts = this.txSts(record, now);
      if (status !== undefined && TxSts !== status) continue;
      const { endToEndId, ccy, value, cdtr } = record.payment;
      out.push({ EndToEndId: endToEndId, Ccy: ccy, value, TxSts, Cdtr: cdtr, ...(record.returned ? { RtrRsn: record.returned.reason } : {}) });
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

  /** The report about one payment; a fresh MsgId each time. */
  private report(record: PaymentRecord): StatusReport {
    const nowDate = this.options.now();
    const txSts = this.txSts(record, nowDate.getTime());
    const { payment, outcome } = record;
    let sttlmDt: string | undefined;
    if (outcome.kind === 'settle') {
      // The correspondent rail says at once on which day it will settle; the instant rail once it has (24/7).
      if (outcome.sttlmDt !== null) sttlmDt = outcome.sttlmDt;
      else if (txSts === 'ACSC') sttlmDt = isoDate(record.receivedAt + outcome.afterMs);
    }
    return {
      msgId: this.messageId('STS', this.nextCounter()),
      creDtTm: nowDate.toISOString(),
      orgnlMsgId: payment.msgId,
      endToEndId: payment.endToEndId,
      txId: payment.txId,
      ...(payment.uetr !== undefined ? { uetr: payment.uetr } : {}),
      txSts,
      ...(txSts === 'RJCT' && outcome.kind === 'reject' ? { reason: { code: outcome.reason, text: REASONS[outcome.reason] } } : {}),
      ...(txSts === 'ACSP' || txSts === 'ACSC' ? { accptncDtTm: new Date(record.receivedAt + this.acceptAfterMs()).toISOString() } : {}),
      ...(sttlmDt !== undefined ? { sttlmDt } : {}),
    };
  }

  /** A MsgId of this rail's ("INSTSTS0000000001"). */
  messageId(kind: string, n: number = this.nextCounter()): string {
    return `${this.options.rail.slice(0, 4).toUpperCase()}${kind}${String(n).padStart(10, '0')}`;
  }

  private nextCounter(): number {
    this.statusCounter += 1;
    return this.statusCounter;
  }
}
