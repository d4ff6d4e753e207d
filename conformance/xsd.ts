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
