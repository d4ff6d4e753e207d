import { isRecord, readDocument, type MessageName } from './xml.js';
import {
  amountMinor,
  BIC_RE,
  CURRENCY_EXPONENTS,
  formatMinor,
  isValidIban,
  REFERENCE_RE,
  type RailRules,
} from './data.js';

/**
 * Reading what the rail receives, the way the rail does: a pacs.008 (FIToFICustomerCreditTransfer, one transaction)
 * or a pacs.028 (FIToFIPaymentStatusRequest), ISO 20022 XML. Structure first (400, reason FF01 "invalid file
 * format"), then whether this rail can carry the payment at all (422: AM03 currency not allowed, CNOR creditor agent
 * not reachable). server.ts answers every refusal with a pacs.002 that rejects the message (GrpSts RJCT).
 */

/** ISO 20022 status reasons of a refused message: FF01 format, AM03 currency, CNOR unreachable creditor, DUPL reuse. */
export type RailErrorCode = 'FF01' | 'AM03' | 'CNOR' | 'DUPL';

/** A refusal in the rail's own terms; server.ts turns it into a pacs.002 with GrpSts RJCT and this reason. */
export class RailError extends Error {
  constructor(
    readonly status: number,
    readonly code: RailErrorCode,
    message: string,
    /** The refused message's MsgId, when it got that far. */
    readonly msgId?: string,
  ) {
    super(message);
  }
}

export interface Creditor {
  readonly Nm: string;
  readonly PstlAdr: { readonly Ctry: string };
}

/** What the rail keeps of an accepted pacs.008. */
export interface Pacs008 {
  readonly msgId: string;
  readonly endToEndId: string;
  readonly txId: string;
  /** The UETR (UUID v4), when the sender gave one. */
  readonly uetr?: string;
  readonly ccy: string;
  readonly exponent: number;
  readonly minor: bigint;
  /** The amount as the rail writes it, at the currency's scale ("250.10"). */
  readonly value: string;
  readonly debtorIban: string;
  readonly creditorIban: string;
  readonly cdtr: Creditor;
  /** What identifies the payment behind an EndToEndId: a reuse with another fingerprint is a conflict. */
  readonly fingerprint: string;
}

const CHARGE_BEARERS = ['SHAR', 'SLEV', 'DEBT', 'CRED'];
/** ISO 20022 UUIDv4Identifier. */
const UETR_RE = /^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/;

function format(message: string): RailError {
  return new RailError(400, 'FF01', message);
}

function document(xml: string, message: MessageName, root: string): Record<string, unknown> {
  const content = readDocument(xml, message, root);
  if (typeof content === 'string') throw format(content);
  return content;
}

function obj(value: unknown, path: string): Record<string, unknown> {
  if (Array.isArray(value)) throw format(`${path} must occur once`);
  if (!isRecord(value)) throw format(`${path} is required`);
  return value;
}

function str(parent: Record<string, unknown>, field: string, path: string, max = 140, re?: RegExp): string {
  const value = parent[field];
  if (Array.isArray(value)) throw format(`${path}.${field} must occur once`);
  if (typeof value !== 'string' || value.trim() === '') throw format(`${path}.${field} is required`);
  if (value.length > max) throw format(`${path}.${field} is longer than ${max} characters`);
  if (re && !re.test(value)) throw format(`${path}.${field} is not valid`);
  return value;
}

function iban(parent: Record<string, unknown>, path: string): string {
  const id = obj(obj(parent.Id, `${path}.Id`), `${path}.Id`);
  const value = str(id, 'IBAN', `${path}.Id`, 34);
  if (!isValidIban(value)) throw format(`${path}.Id.IBAN is not a valid IBAN (shape or check digits)`);
  return value;
}

function bic(parent: unknown, path: string): string {
  const fin = obj(obj(parent, path).FinInstnId, `${path}.FinInstnId`);
  return str(fin, 'BICFI', `${path}.FinInstnId`, 11, BIC_RE);
}

/** The pacs.008 document in `xml`, checked for structure and for what `rules` can carry. */
export function readPacs008(xml: string, rules: RailRules): Pacs008 {
  const doc = document(xml, 'pacs.008.001.09', 'FIToFICstmrCdtTrf');
  const hdr = obj(doc.GrpHdr, 'GrpHdr');
  const msgId = str(hdr, 'MsgId', 'GrpHdr', 35);
  const created = str(hdr, 'CreDtTm', 'GrpHdr', 40);
  if (Number.isNaN(Date.parse(created))) throw format('GrpHdr.CreDtTm is not an ISO 8601 date-time');
  if (hdr.NbOfTxs !== '1') throw format('GrpHdr.NbOfTxs must be "1": the rail takes one transaction per message');
  if (obj(hdr.SttlmInf, 'GrpHdr.SttlmInf').SttlmMtd !== 'CLRG') throw format('GrpHdr.SttlmInf.SttlmMtd must be "CLRG"');

  const tx = obj(doc.CdtTrfTxInf, 'CdtTrfTxInf');
  const pmtId = obj(tx.PmtId, 'CdtTrfTxInf.PmtId');
  const endToEndId = str(pmtId, 'EndToEndId', 'CdtTrfTxInf.PmtId', 35, REFERENCE_RE);
  const txId = str(pmtId, 'TxId', 'CdtTrfTxInf.PmtId', 35, REFERENCE_RE);
  if (pmtId.InstrId !== undefined) str(pmtId, 'InstrId', 'CdtTrfTxInf.PmtId', 35, REFERENCE_RE);
  const uetr = pmtId.UETR === undefined ? undefined : str(pmtId, 'UETR', 'CdtTrfTxInf.PmtId', 36, UETR_RE);

  const amt = obj(tx.IntrBkSttlmAmt, 'CdtTrfTxInf.IntrBkSttlmAmt');
  const ccy = str(amt, '@_Ccy', 'CdtTrfTxInf.IntrBkSttlmAmt', 3, /^[A-Z]{3}$/);
  const chargeBearer = tx.ChrgBr;
  if (typeof chargeBearer !== 'string' || !CHARGE_BEARERS.includes(chargeBearer)) {
    throw format(`CdtTrfTxInf.ChrgBr must be one of ${CHARGE_BEARERS.join(', ')}`);
  }
  const debtorName = str(obj(tx.Dbtr, 'CdtTrfTxInf.Dbtr'), 'Nm', 'CdtTrfTxInf.Dbtr', 140);
  const debtorIban = iban(obj(tx.DbtrAcct, 'CdtTrfTxInf.DbtrAcct'), 'CdtTrfTxInf.DbtrAcct');
  bic(tx.DbtrAgt, 'CdtTrfTxInf.DbtrAgt');
  const creditorBic = bic(tx.CdtrAgt, 'CdtTrfTxInf.CdtrAgt');
  const cdtr = obj(tx.Cdtr, 'CdtTrfTxInf.Cdtr');
  const creditorName = str(cdtr, 'Nm', 'CdtTrfTxInf.Cdtr', 140);
  const country = str(obj(cdtr.PstlAdr, 'CdtTrfTxInf.Cdtr.PstlAdr'), 'Ctry', 'CdtTrfTxInf.Cdtr.PstlAdr', 2, /^[A-Z]{2}$/);
  const creditorIban = iban(obj(tx.CdtrAcct, 'CdtTrfTxInf.CdtrAcct'), 'CdtTrfTxInf.CdtrAcct');
  let remittance = '';
  if (tx.RmtInf !== undefined) remittance = str(obj(tx.RmtInf, 'CdtTrfTxInf.RmtInf'), 'Ustrd', 'CdtTrfTxInf.RmtInf', 140);

  // Structure is fine; can this rail carry it?
  const exponent = CURRENCY_EXPONENTS[ccy];
  if (exponent === undefined || (rules.currencies !== 'ANY' && !rules.currencies.includes(ccy))) {
    throw new RailError(422, 'AM03', `the ${rules.rail} rail does not carry ${ccy}`, msgId);
  }
  if (rules.countries !== 'ANY' && !rules.countries.includes(country)) {
    throw new RailError(422, 'CNOR', `the ${rules.rail} rail does not reach creditors in ${country}`, msgId);
  }
  const minor = amountMinor(amt['#text'], exponent);
  if (minor === null) {
    throw format(`CdtTrfTxInf.IntrBkSttlmAmt must be a positive decimal string with at most ${exponent} decimals`);
  }
  const value = formatMinor(minor, exponent);
  const fingerprint = JSON.stringify([ccy, value, debtorName, debtorIban, creditorBic, creditorName, country, creditorIban, remittance, uetr ?? '']);
  return {
    msgId,
    endToEndId,
    txId,
    ...(uetr !== undefined ? { uetr } : {}),
    ccy,
    exponent,
    minor,
    value,
    debtorIban,
    creditorIban,
    cdtr: { Nm: creditorName, PstlAdr: { Ctry: country } },
    fingerprint,
  };
}

/** What the rail reads of a pacs.028: whose status is asked for. */
export interface Pacs028 {
  readonly msgId: string;
  readonly endToEndId: string;
}

/** The pacs.028 in `xml`: one transaction, named by its OrgnlEndToEndId. */
export function readPacs028(xml: string): Pacs028 {
  const doc = document(xml, 'pacs.028.001.04', 'FIToFIPmtStsReq');
  const hdr = obj(doc.GrpHdr, 'GrpHdr');
  const msgId = str(hdr, 'MsgId', 'GrpHdr', 35);
  const tx = obj(doc.TxInf, 'TxInf');
  const endToEndId = str(tx, 'OrgnlEndToEndId', 'TxInf', 35, REFERENCE_RE);
  return { msgId, endToEndId };
}
