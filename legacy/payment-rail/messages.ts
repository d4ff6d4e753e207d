import { RETURN_REASONS, type PaymentReturn, type StatusReport } from './book.js';
import type { RailErrorCode } from './wire.js';
import { documentXml, max105, type MessageName, type XmlNode } from './xml.js';

/**
 * The messages the rail sends, as ISO 20022 XML: pacs.002.001.11 status reports (about a payment, about a payment
 * the rail never received, or rejecting a whole message) and pacs.004.001.10 returns. Element order is the schemas'.
 */

const CLRG: XmlNode = { SttlmMtd: 'CLRG' };

function reasonInfo(code: string, text: string): XmlNode {
  return { Rsn: { Cd: code }, AddtlInf: max105(text) };
}

/** The pacs.002 about one payment the rail has. */
export function statusReportXml(r: StatusReport): string {
  const tx: Record<string, XmlNode> = { OrgnlEndToEndId: r.endToEndId, OrgnlTxId: r.txId, ...(r.uetr ? { OrgnlUETR: r.uetr } : {}), TxSts: r.txSts };
  if (r.reason) tx.StsRsnInf = reasonInfo(r.reason.code, r.reason.text);
  if (r.accptncDtTm) tx.AccptncDtTm = r.accptncDtTm;
  if (r.sttlmDt) tx.FctvIntrBkSttlmDt = { Dt: r.sttlmDt };
  return documentXml('pacs.002.001.11', 'FIToFIPmtStsRpt', {
    GrpHdr: { MsgId: r.msgId, CreDtTm: r.creDtTm },
    OrgnlGrpInfAndSts: { OrgnlMsgId: r.orgnlMsgId, OrgnlMsgNmId: 'pacs.008.001.09' },
    TxInfAndSts: tx,
  });
}

/**
 * The answer to a pacs.028 about a payment the rail never received: RJCT with reason AG09 ("payment not received"),
 * about the status request itself.
 */
export function notReceivedXml(msgId: string, request: { msgId: string; endToEndId: string }, now: Date): string {
  return documentXml('pacs.002.001.11', 'FIToFIPmtStsRpt', {
    GrpHdr: { MsgId: msgId, CreDtTm: now.toISOString() },
    OrgnlGrpInfAndSts: { OrgnlMsgId: request.msgId, OrgnlMsgNmId: 'pacs.028.001.04' },
    TxInfAndSts: {
      OrgnlEndToEndId: request.endToEndId,
      TxSts: 'RJCT',
      StsRsnInf: reasonInfo('AG09', 'Original payment never received'),
    },
  });
}

/** A pacs.002 rejecting a whole message (GrpSts RJCT): malformed, a currency or creditor the rail cannot carry, a reused EndToEndId. */
export function messageRejectedXml(msgId: string, refused: { msgId: string | undefined; message: MessageName }, code: RailErrorCode, text: string, now: Date): string {
  return documentXml('pacs.002.001.11', 'FIToFIPmtStsRpt', {
    GrpHdr: { MsgId: msgId, CreDtTm: now.toISOString() },
    OrgnlGrpInfAndSts: {
      // ISO's placeholder when the refused message's own id could not be read.
      OrgnlMsgId: refused.msgId ?? 'NONREF',
      OrgnlMsgNmId: refused.message,
      GrpSts: 'RJCT',
      StsRsnInf: reasonInfo(code, text),
    },
  });
}

/** The pacs.004 that sends a settled payment back. */
export function paymentReturnXml(r: PaymentReturn): string {
  const amount = { '@_Ccy': r.ccy, '#text': r.value };
  return documentXml('pacs.004.001.10', 'PmtRtr', {
    GrpHdr: { MsgId: r.msgId, CreDtTm: r.creDtTm, NbOfTxs: '1', SttlmInf: CLRG },
    TxInf: {
      RtrId: r.rtrId,
      OrgnlGrpInf: { OrgnlMsgId: r.orgnlMsgId, OrgnlMsgNmId: 'pacs.008.001.09' },
      OrgnlEndToEndId: r.endToEndId,
      OrgnlTxId: r.txId,
      ...(r.uetr ? { OrgnlUETR: r.uetr } : {}),
      OrgnlIntrBkSttlmAmt: amount,
      RtrdIntrBkSttlmAmt: amount,
      IntrBkSttlmDt: r.sttlmDt,
      RtrRsnInf: reasonInfo(r.reason, RETURN_REASONS[r.reason]),
    },
  });
}
