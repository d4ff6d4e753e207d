import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/**
 * ISO 20022 XML as the rail reads and writes it: a `Document` in the namespace of one message definition
 * (`urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09`), built and parsed with fast-xml-parser. Values stay strings
 * (amounts are never numbers here); no DTDs, so no entity expansion.
 */

export type MessageName = 'pacs.002.001.11' | 'pacs.004.001.10' | 'pacs.008.001.09' | 'pacs.028.001.04';
export const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';

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

/** A whole message: `<Document xmlns="…message…"><root>…</root></Document>`. */
export function documentXml(message: MessageName, root: string, content: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ Document: { '@_xmlns': `urn:iso:std:iso:20022:tech:xsd:${message}`, [root]: content } })}`;
}

/** Why a document cannot be read as `message` (a string), or its root element's content. */
export function readDocument(xml: string, message: MessageName, root: string): Record<string, unknown> | string {
  if (!xml.trim()) return 'the message is empty';
  if (/<!DOCTYPE/i.test(xml)) return 'a DOCTYPE is not allowed';
  const ns = /<(?:[\w.-]+:)?Document\b[^>]*\bxmlns(?::[\w.-]+)?\s*=\s*["']urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.\d{3}\.\d{3}\.\d{2})["']/.exec(xml)?.[1];
  if (ns !== message) return `expected a ${message} Document${ns ? `, got ${ns}` : ' (no ISO 20022 namespace)'}`;
  let parsed: unknown;
  try {
    parsed = parser.parse(xml, true);
  } catch (err) {
    return `not well-formed XML: ${err instanceof Error ? err.message.split('\n')[0] : 'unreadable'}`;
  }
  const doc = isRecord(parsed) ? parsed.Document : undefined;
  const content = isRecord(doc) ? doc[root] : undefined;
  return isRecord(content) ? content : `the Document has no ${root}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Max105Text pieces of a longer text (AddtlInf repeats). */
export function max105(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length && out.length < 5; i += 105) out.push(text.slice(i, i + 105));
  return out;
}
