import { validateXML } from 'xmllint-wasm';
import { SPEC_FILES, vendorSpec } from './specs.js';

/**
 * ISO 20022 messages checked against ISO's own XSDs (../shared/vendor-specs), with libxml2's validator (xmllint,
 * compiled to WebAssembly by the xmllint-wasm package: the same checks as Debian's `xmllint --schema`, nothing to
 * install). The schema is chosen by the message's namespace (`urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09`),
 * so a message in a version whose schema is not there is a finding too, never a silent pass.
 */

const NAMESPACE_PREFIX = 'urn:iso:std:iso:20022:tech:xsd:';

/** The messages (and versions) whose schemas this checks: "pacs.008.001.09" and the others of SPEC_FILES. */
export const ISO20022_MESSAGES: readonly string[] = SPEC_FILES.iso20022.map((file) => file.replace(/\.xsd$/, ''));

export interface XsdResult {
  /** The message definition the document declares ("pacs.002.001.11"), when it declares one. */
  readonly message: string | undefined;
  /** Empty when the document is valid against its schema. */
  readonly errors: readonly string[];
}

/** The ISO 20022 message a document declares by its default namespace, or undefined. */
export function iso20022MessageOf(xml: string): string | undefined {
  const match = /<(?:\w+:)?Document\b[^>]*\bxmlns(?::\w+)?\s*=\s*["']urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.\d{3}\.\d{3}\.\d{2})["']/.exec(xml);
  return match?.[1];
}

const schemas = new Map<string, string>();
function schemaText(message: string): string {
  let text = schemas.get(message);
  if (text === undefined) {
    text = vendorSpec(`${message}.xsd`);
    schemas.set(message, text);
  }
  return text;
}

/** Validates one ISO 20022 document against the XSD of the message it declares. */
export async function validateIso20022(xml: string): Promise<XsdResult> {
  const message = iso20022MessageOf(xml);
  if (!message) return { message, errors: [`not an ISO 20022 Document (no ${NAMESPACE_PREFIX}… namespace)`] };
  if (!ISO20022_MESSAGES.includes(message)) {
    return { message, errors: [`${message} is not one of the versions whose schemas are published here (${ISO20022_MESSAGES.join(', ')})`] };
  }
  const result = await validateXML({
    xml: { fileName: `${message}.xml`, contents: xml },
    schema: { fileName: `${message}.xsd`, contents: schemaText(message) },
  });
  return { message, errors: result.valid ? [] : result.errors.map((e) => (e.loc ? `line ${e.loc.lineNumber}: ${e.message}` : e.message)) };
}

/**
 * Validates many documents at once: one libxml2 run per message definition instead of one per document (a run
 * compiles the schema, which is most of its time). Results in the order given.
 */
export async function validateIso20022All(xmls: readonly string[]): Promise<XsdResult[]> {
  const results: XsdResult[] = new Array<XsdResult>(xmls.length);
  const groups = new Map<string, number[]>();
  xmls.forEach((xml, i) => {
    const message = iso20022MessageOf(xml);
    if (!message || !ISO20022_MESSAGES.includes(message)) {
      results[i] = { message, errors: [message ? `${message} is not one of the versions whose schemas are published here` : `not an ISO 20022 Document (no ${NAMESPACE_PREFIX}… namespace)`] };
      return;
    }
    groups.set(message, [...(groups.get(message) ?? []), i]);
  });
  for (const [message, indexes] of groups) {
    const result = await validateXML({
      xml: indexes.map((i) => ({ fileName: `doc-${i}.xml`, contents: xmls[i]! })),
      schema: { fileName: `${message}.xsd`, contents: schemaText(message) },
    });
    const errors = new Map<number, string[]>(indexes.map((i) => [i, []]));
    for (const e of result.errors) {
      // libxml2 names the file in `loc`, or (its closing "doc-1.xml fails to validate") in the message.
      const i = Number(/^doc-(\d+)\.xml$/.exec(e.loc?.fileName ?? '')?.[1] ?? /\bdoc-(\d+)\.xml\b/.exec(e.message)?.[1]);
      const text = e.loc ? `line ${e.loc.lineNumber}: ${e.message}` : e.message;
      const mine = errors.get(i);
      if (mine) {
        if (!(/fails to validate$/.test(e.message) && mine.length > 0)) mine.push(text);
        continue;
      }
      // An error no file claims is every file's: never a silent pass.
      for (const list of errors.values()) list.push(text);
    }
    for (const i of indexes) results[i] = { message, errors: errors.get(i)! };
  }
  return results;
}
