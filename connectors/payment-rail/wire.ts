import { createHash, randomUUID } from 'node:crypto';
import { ErrorCode, UpstreamError, type UpstreamDetail } from '../../lib/errors.js';
import { toDecimalString } from '../../lib/money.js';
import type { LegacyCall, LegacyResponse } from '../http.js';
import type { Payout, RailStatus } from './types.js';
import { documentXml, isRecord, many, readDocument, type XmlNode } from './xml.js';

/**
 * ISO 20022 as the rails speak it: pacs.008.001.09 and pacs.028.001.04 out, pacs.002.001.11 and pacs.004.001.10 in
 * (XML), and back into RailStatus. PRIVATE to connectors/payment-rail. Nothing here puts an IBAN or a name into an
 * error: errors name the field that was wrong.
 */

export const SYSTEM = 'payment-rail';

export type ChargeBearer = 'SHAR' | 'SLEV' | 'DEBT' | 'CRED';

/** What a rail takes as EndToEndId: Max35Text in the characters SEPA allows (plus "_"). */
const END_TO_END_RE = /^[A-Za-z0-9/\-?:().,'+_]{1,35}$/;

export function checkEndToEndId(id: string): void {
  if (!END_TO_END_RE.test(id)) {
    throw new RangeError(`endToEndId must be 1-35 characters of A-Z a-z 0-9 / - ? : ( ) . , ' + _ (got ${id.length} characters)`);
  }
}

/** A fresh MsgId (Max35Text) per message, as ISO wants. */
function messageId(): string {
  return randomUUID().replace(/-/g, '');
}

/**
 * The payout's UETR (Unique End-to-end Transaction Reference, a UUID v4), derived from its EndToEndId: every send of
 * the same payout, after a retry or a crash, carries the same UETR, so the rail sees one transaction.
 */
export function uetrOf(endToEndId: string): string {
  const b = createHash('sha256').update(`bankgraph-uetr:${endToEndId}`).digest();
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = b.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A pacs.008 (FIToFICustomerCreditTransfer) with one transaction, as XML. */
export function pacs008(p: Payout, chargeBearer: ChargeBearer, now: Date = new Date()): string {
  const agent = (bic: string): XmlNode => ({ FinInstnId: { BICFI: bic.toUpperCase() } });
  const account = (iban: string): XmlNode => ({ Id: { IBAN: compact(iban) } });
  const tx: Record<string, XmlNode> = {
    PmtId: { InstrId: p.endToEndId, EndToEndId: p.endToEndId, TxId: p.endToEndId, UETR: uetrOf(p.endToEndId) },
    IntrBkSttlmAmt: { '@_Ccy': p.amount.currency, '#text': toDecimalString(p.amount) },
    ChrgBr: chargeBearer,
    Dbtr: { Nm: p.debtor.name },
    DbtrAcct: account(p.debtor.iban),
    DbtrAgt: agent(p.debtor.bic),
    CdtrAgt: agent(p.creditor.bic),
    Cdtr: { Nm: p.creditor.name, PstlAdr: { Ctry: p.creditor.country.toUpperCase() } },
    CdtrAcct: account(p.creditor.iban),
  };
  if (p.remittance) tx.RmtInf = { Ustrd: p.remittance };
  return documentXml('pacs.008.001.09', 'FIToFICstmrCdtTrf', {
    GrpHdr: { MsgId: messageId(), CreDtTm: now.toISOString(), NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' } },
    CdtTrfTxInf: tx,
  });
}

/** A pacs.028 (FIToFIPaymentStatusRequest): what became of the payment with this EndToEndId. */
export function pacs028(endToEndId: string, now: Date = new Date()): string {
  const msgId = messageId();
  return documentXml('pacs.028.001.04', 'FIToFIPmtStsReq', {
    GrpHdr: { MsgId: msgId, CreDtTm: now.toISOString() },
    TxInf: { StsReqId: msgId, OrgnlEndToEndId: endToEndId, OrgnlUETR: uetrOf(endToEndId) },
  });
}

/** IBANs are often written in groups of four ("DE89 3704 ..."); the wire wants them without blanks, upper case. */
function compact(iban: string): string {
  return iban.replace(/\s+/g, '').toUpperCase();
}

const STATE_OF: Readonly<Record<string, RailStatus['state']>> = {
  RCVD: 'RECEIVED',
  PDNG: 'RECEIVED',
  ACTC: 'ACCEPTED',
  ACCP: 'ACCEPTED',
  ACSP: 'ACCEPTED',
  ACWC: 'ACCEPTED',
  ACSC: 'SETTLED',
  ACCC: 'SETTLED',
  RJCT: 'REJECTED',
};

export function badResponse(route: string, what: string): UpstreamError {
  return new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, SYSTEM, `${SYSTEM} sent an answer we cannot read`, {
    route,
    legacyMessage: what,
  });
}

const REASON_RE = /^[A-Z0-9]{2,4}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** "Original payment never received": the rail's answer to a pacs.028 about a payment it does not have. */
const NOT_RECEIVED = 'AG09';

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return isRecord(value) && typeof value['#text'] === 'string' ? value['#text'] : undefined;
}

/** The first reason code of a StsRsnInf / RtrRsnInf list, checked. */
function reasonOf(info: unknown, route: string): string | null {
  const first = many(info)[0];
  if (first === undefined) return null;
  const code = isRecord(first) && isRecord(first.Rsn) ? text(first.Rsn.Cd) : undefined;
  if (code === undefined || !REASON_RE.test(code)) throw badResponse(route, 'a report with a malformed reason code');
  return code;
}

/** The transaction about `endToEndId` in a list of them. */
function transaction(list: unknown, endToEndId: string, route: string): Record<string, unknown> {
  const all = many(list).filter(isRecord);
  if (all.length === 0) throw badResponse(route, 'a report without a transaction');
  const tx = all.find((t) => text(t.OrgnlEndToEndId) === endToEndId);
  if (!tx) throw badResponse(route, 'a report about another EndToEndId');
  checkUetr(tx, endToEndId, route);
  return tx;
}

/** A transaction's OrgnlUETR, when it has one, must be the one our pacs.008 carried for its EndToEndId. */
function checkUetr(tx: Record<string, unknown>, endToEndId: string, route: string): void {
  const uetr = text(tx.OrgnlUETR);
  if (uetr !== undefined && uetr !== uetrOf(endToEndId)) throw badResponse(route, 'a report about another UETR');
}

const PAYMENT_RETURN = 'pacs.004.001.10';
const STATUS_REPORT = 'pacs.002.001.11';

/** A pacs.004 transaction: the rail settled the payment, then sent the money back. */
function returnedStatus(tx: Record<string, unknown>, endToEndId: string, route: string): RailStatus {
  return { endToEndId, state: 'REJECTED', reasonCode: reasonOf(tx.RtrRsnInf, route) ?? 'NARR', settlementDate: null };
}

/** A pacs.002 transaction's status, or null for RJCT AG09 ("payment not received"). */
function reportedStatus(tx: Record<string, unknown>, endToEndId: string, route: string): RailStatus | null {
  const sts = text(tx.TxSts);
  const state = sts === undefined ? undefined : STATE_OF[sts];
  if (!state) throw badResponse(route, 'a status report with an unknown TxSts');
  const reason = reasonOf(tx.StsRsnInf, route);
  if (state === 'REJECTED' && reason === NOT_RECEIVED) return null;
  const sttlm = tx.FctvIntrBkSttlmDt;
  const date = sttlm === undefined ? undefined : isRecord(sttlm) ? (text(sttlm.Dt) ?? text(sttlm.DtTm)?.slice(0, 10)) : null;
  if (date === null || (date !== undefined && !DATE_RE.test(date))) throw badResponse(route, 'a status report with a malformed FctvIntrBkSttlmDt');
  return { endToEndId, state, reasonCode: reason, settlementDate: date ?? null };
}

/**
 * The rail's answer about `endToEndId` as a RailStatus, or null when the rail says it never received it (a pacs.002
 * RJCT AG09). A pacs.002 (FIToFIPaymentStatusReport) gives the status; a pacs.004 (PaymentReturn) means the rail
 * settled the payment and then sent the money back: REJECTED with the return reason, since the payment did not
 * reach its creditor and the money is back at the bank.
 */
export function readStatusAnswer(xml: string, endToEndId: string, route: string): RailStatus | null {
  const doc = readDocument(xml);
  if (typeof doc === 'string') throw badResponse(route, doc);
  if (doc.message === PAYMENT_RETURN && doc.root === 'PmtRtr') return returnedStatus(transaction(doc.content.TxInf, endToEndId, route), endToEndId, route);
  if (doc.message !== STATUS_REPORT || doc.root !== 'FIToFIPmtStsRpt') throw badResponse(route, `an unexpected ${doc.message}`);
  return reportedStatus(transaction(doc.content.TxInfAndSts, endToEndId, route), endToEndId, route);
}

/** A report the rail pushed on its own (a pacs.002 or a pacs.004), read and checked as an answer to a pacs.028 is. */
export interface RailReport {
  readonly message: typeof STATUS_REPORT | typeof PAYMENT_RETURN;
  /** The report's own GrpHdr/MsgId: a report delivered again carries the same one. */
  readonly msgId: string;
  /** One per transaction the report is about (a pacs.002 "not received" about a status request carries none). */
  readonly statuses: readonly RailStatus[];
}

/** A pushed report that is not one we can read; `message` names what was wrong, never a value from it. */
export class InvalidRailReport extends Error {
  override readonly name = 'InvalidRailReport';
}

const PUSH_ROUTE = 'POST (pushed report)';
const MSG_ID_RE = /^[A-Za-z0-9/\-?:().,'+_ ]{1,35}$/;

/**
 * A pushed pacs.002.001.11 or pacs.004.001.10: each transaction is read as readStatusAnswer reads it (the same TxSts,
 * reason codes, settlement date and UETR checks), naming its own EndToEndId. Throws InvalidRailReport.
 */
export function readRailReport(xml: string): RailReport {
  try {
    const doc = readDocument(xml);
    if (typeof doc === 'string') throw badResponse(PUSH_ROUTE, doc);
    const isReturn = doc.message === PAYMENT_RETURN && doc.root === 'PmtRtr';
    if (!isReturn && (doc.message !== STATUS_REPORT || doc.root !== 'FIToFIPmtStsRpt')) throw badResponse(PUSH_ROUTE, `an unexpected ${doc.message}`);
    const msgId = isRecord(doc.content.GrpHdr) ? text(doc.content.GrpHdr.MsgId) : undefined;
    if (msgId === undefined || !MSG_ID_RE.test(msgId)) throw badResponse(PUSH_ROUTE, 'a report without a valid GrpHdr/MsgId');
    const list = many(isReturn ? doc.content.TxInf : doc.content.TxInfAndSts).filter(isRecord);
    if (list.length === 0) throw badResponse(PUSH_ROUTE, 'a report without a transaction');
    const statuses: RailStatus[] = [];
    for (const tx of list) {
      const endToEndId = text(tx.OrgnlEndToEndId);
      if (endToEndId === undefined || !END_TO_END_RE.test(endToEndId)) throw badResponse(PUSH_ROUTE, 'a transaction without a valid OrgnlEndToEndId');
      checkUetr(tx, endToEndId, PUSH_ROUTE);
      const status = isReturn ? returnedStatus(tx, endToEndId, PUSH_ROUTE) : reportedStatus(tx, endToEndId, PUSH_ROUTE);
      if (status) statuses.push(status);
    }
    return { message: isReturn ? PAYMENT_RETURN : STATUS_REPORT, msgId, statuses };
  } catch (err) {
    if (err instanceof UpstreamError) throw new InvalidRailReport(err.detail.legacyMessage ?? 'an unreadable report');
    throw err;
  }
}

/** What a rejected message's pacs.002 says: its group reason code and text, when it is one. */
function messageRejection(xml: string): { code: string; text: string } | undefined {
  const doc = readDocument(xml);
  if (typeof doc === 'string' || doc.root !== 'FIToFIPmtStsRpt') return undefined;
  const group = many(doc.content.OrgnlGrpInfAndSts).find(isRecord);
  const info = group ? many(group.StsRsnInf).find(isRecord) : undefined;
  const code = info && isRecord(info.Rsn) ? text(info.Rsn.Cd) : undefined;
  if (!code || !REASON_RE.test(code)) return undefined;
  return { code, text: many(info?.AddtlInf).map(text).filter((t) => t !== undefined).join('') };
}

/**
 * A refusal as one of our codes: 5xx and 429 count against the rail (UPSTREAM_UNAVAILABLE); a 404 is a route the
 * rail does not have (a misconfigured rail, UPSTREAM_BAD_RESPONSE: never "not received"); any other refusal, a
 * pacs.002 rejecting the message (FF01 format, AM03 currency, CNOR creditor not reachable, DUPL EndToEndId reused),
 * UPSTREAM_REJECTED. The legacy code and text go into the detail, for logs.
 */
export function mapRailError(response: LegacyResponse, call: LegacyCall): UpstreamError {
  const rejection = messageRejection(response.text);
  const detail: UpstreamDetail = {
    route: call.route,
    status: response.status,
    ...(rejection ? { legacyCode: rejection.code } : {}),
    legacyMessage: (rejection?.text ?? response.text).slice(0, 500),
  };
  const { status } = response;
  if (status >= 500 || status === 429) {
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, detail);
  }
  if (status === 404) {
    // No such route: a misconfigured rail, which must never read as "never received".
    return new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, SYSTEM, `${SYSTEM} sent an answer we cannot read`, detail);
  }
  return new UpstreamError(ErrorCode.UPSTREAM_REJECTED, SYSTEM, `${SYSTEM} refused the payment`, detail);
}
