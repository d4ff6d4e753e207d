import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/**
 * ISO 20022 XML documents, built and read with fast-xml-parser. PRIVATE to connectors/payment-rail. Values stay
 * strings (amounts never become numbers); a DOCTYPE is refused, so no entity expansion from the other side.
 */

export const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';
const NS = 'urn:iso:std:iso:20022:tech:xsd:';

/** An element's content: text, attributes ("@_Ccy"), text beside attributes ("#text"), children, repeats. */
export type XmlNode = string | { readonly [name: string]: XmlNode | readonly XmlNode[] };

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', format: false });

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  processEntities: true,
  htmlEntities: false,
});

/** `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{message}"><{root}>…</{root}></Document>`. */
export function documentXml(message: string, root: string, content: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ Document: { '@_xmlns': `${NS}${message}`, [root]: content } })}`;
}

export interface ReadDocument {
  /** The message definition its namespace declares ("pacs.002.001.11"). */
  readonly message: string;
  /** The root element's name ("FIToFIPmtStsRpt") and content. */
  readonly root: string;
  readonly content: Record<string, unknown>;
}

/** An ISO 20022 Document, or a reason why `xml` is not one. */
export function readDocument(xml: string): ReadDocument | string {
  if (!xml.trim()) return 'an empty answer';
  if (/<!DOCTYPE/i.test(xml)) return 'a document with a DOCTYPE';
  const message = /<(?:[\w.-]+:)?Document\b[^>]*\bxmlns(?::[\w.-]+)?\s*=\s*["']urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.\d{3}\.\d{3}\.\d{2})["']/.exec(xml)?.[1];
  if (!message) return 'not an ISO 20022 Document';
  let parsed: unknown;
  try {
    parsed = parser.parse(xml, true);
  } catch {
    return 'malformed XML';
  }
  const doc = isRecord(parsed) ? parsed.Document : undefined;
  const [root, content] = isRecord(doc) ? (Object.entries(doc).find(([k]) => !k.startsWith('@_')) ?? []) : [];
  if (!root || !isRecord(content)) return 'a Document without a message';
  return { message, root, content };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An element that may repeat, as a list. */
export function many(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
