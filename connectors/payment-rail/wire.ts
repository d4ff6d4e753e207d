import { randomUUID } from 'node:crypto';
import { ErrorCode, UpstreamError, type UpstreamDetail } from '../../lib/errors.js';
import { toDecimalString } from '../../lib/money.js';
import type { LegacyCall, LegacyResponse } from '../http.js';
import type { Payout, RailStatus } from './types.js';

/**
 * ISO 20022 as the rails speak it (JSON renderings of pacs.008 and pacs.002), and back into RailStatus. PRIVATE to
 * connectors/payment-rail. Nothing here puts an IBAN or a name into an error: errors name the field that was wrong.
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

/** A pacs.008 (FIToFICustomerCreditTransfer) with one transaction. A fresh MsgId per message, as ISO wants. */
export function pacs008(p: Payout, chargeBearer: ChargeBearer, now: Date = new Date()): unknown {
  return {
    GrpHdr: {
      MsgId: randomUUID().replace(/-/g, ''),
      CreDtTm: now.toISOString(),
      NbOfTxs: '1',
      SttlmInf: { SttlmMtd: 'CLRG' },
    },
    CdtTrfTxInf: {
      PmtId: { InstrId: p.endToEndId, EndToEndId: p.endToEndId, TxId: p.endToEndId },
      IntrBkSttlmAmt: { Ccy: p.amount.currency, value: toDecimalString(p.amount) },
      ChrgBr: chargeBearer,
      Dbtr: { Nm: p.debtor.name },
      DbtrAcct: { Id: { IBAN: compact(p.debtor.iban) } },
      DbtrAgt: { FinInstnId: { BICFI: p.debtor.bic.toUpperCase() } },
      CdtrAgt: { FinInstnId: { BICFI: p.creditor.bic.toUpperCase() } },
      Cdtr: { Nm: p.creditor.name, PstlAdr: { Ctry: p.creditor.country.toUpperCase() } },
      CdtrAcct: { Id: { IBAN: compact(p.creditor.iban) } },
      ...(p.remittance ? { RmtInf: { Ustrd: p.remittance } } : {}),
    },
  };
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function badResponse(route: string, what: string): UpstreamError {
  return new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, SYSTEM, `${SYSTEM} sent an answer we cannot read`, {
    route,
    legacyMessage: what,
  });
}

/** A pacs.002 (FIToFIPaymentStatusReport) about `endToEndId`, as a RailStatus. */
export function readPacs002(raw: unknown, endToEndId: string, route: string): RailStatus {
  const tx = isObject(raw) && isObject(raw.TxInfAndSts) ? raw.TxInfAndSts : undefined;
  if (!tx) throw badResponse(route, 'a status report without TxInfAndSts');
  if (tx.OrgnlEndToEndId !== endToEndId) throw badResponse(route, 'a status report about another EndToEndId');
  const state = typeof tx.TxSts === 'string' ? STATE_OF[tx.TxSts] : undefined;
  if (!state) throw badResponse(route, 'a status report with an unknown TxSts');
  const reason = isObject(tx.StsRsnInf) && isObject(tx.StsRsnInf.Rsn) ? tx.StsRsnInf.Rsn.Cd : undefined;
  if (reason !== undefined && (typeof reason !== 'string' || !/^[A-Z0-9]{2,4}$/.test(reason))) {
    throw badResponse(route, 'a status report with a malformed reason code');
  }
  const date = tx.SttlmDt;
  if (date !== undefined && (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date))) {
    throw badResponse(route, 'a status report with a malformed SttlmDt');
  }
  return { endToEndId, state, reasonCode: reason ?? null, settlementDate: date ?? null };
}

/**
 * The rail's `{ error: { code, message } }` as one of our codes: 5xx and RAIL_UNAVAILABLE count against the rail
 * (UPSTREAM_UNAVAILABLE), 404 NOT_FOUND is NOT_FOUND (an unknown route is not), any other refusal (UNSUPPORTED, FORMAT_ERROR, DUPLICATE_REFERENCE)
 * UPSTREAM_REJECTED. The legacy code and text go into the detail, for logs.
 */
export function mapRailError(response: LegacyResponse, call: LegacyCall): UpstreamError {
  const body = isObject(response.json) && isObject(response.json.error) ? response.json.error : undefined;
  const code = typeof body?.code === 'string' ? body.code : undefined;
  const text = typeof body?.message === 'string' ? body.message : response.text;
  const detail: UpstreamDetail = {
    route: call.route,
    status: response.status,
    ...(code ? { legacyCode: code } : {}),
    legacyMessage: text.slice(0, 500),
  };
  const { status } = response;
  if (status >= 500 || status === 429 || code === 'RAIL_UNAVAILABLE') {
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, detail);
  }
  if (status === 404 && code === 'NOT_FOUND') {
    return new UpstreamError(ErrorCode.NOT_FOUND, SYSTEM, `${SYSTEM} does not know this payment`, detail);
  }
  if (status === 404) {
    // Not "no such payment" but "no such route": a misconfigured rail, which must never read as "never received".
    return new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, SYSTEM, `${SYSTEM} sent an answer we cannot read`, detail);
  }
  return new UpstreamError(ErrorCode.UPSTREAM_REJECTED, SYSTEM, `${SYSTEM} refused the payment`, detail);
}
