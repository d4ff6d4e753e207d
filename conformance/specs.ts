import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The vendors' published specifications: reference data kept beside the repository (`../shared/vendor-specs`),
 * never copied into it. VENDOR_SPECS_DIR points elsewhere. Missing, everything that needs them fails loudly: a
 * check against a specification that is not there is no check.
 */
export function vendorSpecsDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = env.VENDOR_SPECS_DIR ? resolve(env.VENDOR_SPECS_DIR) : resolve(root, '..', 'shared', 'vendor-specs');
  if (!existsSync(dir)) {
    throw new Error(`the vendors' specifications are not at ${dir}: set VENDOR_SPECS_DIR to the folder that holds them`);
  }
  return dir;
}

/** One file of the vendors' specifications, as text; an Error naming the file when it is not there. */
export function vendorSpec(file: string, env?: Readonly<Record<string, string | undefined>>): string {
  const path = join(vendorSpecsDir(env), file);
  if (!existsSync(path)) throw new Error(`the vendor specification ${file} is not in ${vendorSpecsDir(env)}`);
  return readFileSync(path, 'utf8');
}

/**
 * A document of this repository's own (an API bankgraph defines where no vendor publishes one, under
 * schema/legacy-apis/), by its path from the repository's root; an Error naming it when it is not there.
 */
export function repoSpec(path: string): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const full = resolve(root, path);
  if (!full.startsWith(root) || !existsSync(full)) throw new Error(`the document ${path} is not in the repository (${root})`);
  return readFileSync(full, 'utf8');
}

/** The APIs bankgraph defines itself (OpenAPI 3.1), by system: no public vendor publishes them. */
export const REPO_SPECS = {
  fxWallet: 'schema/legacy-apis/fx-wallet.openapi.yaml',
  notifier: 'schema/legacy-apis/notifier.openapi.yaml',
  riskScoring: 'schema/legacy-apis/risk-scoring.openapi.yaml',
} as const;

/** The files this project checks against, by what they specify. */
export const SPEC_FILES = {
  marqeta: 'marqeta-core-api-swagger-2024-01-19.json',
  onfido: 'onfido-openapi-v3.6.yaml',
  fineract: 'fineract-api-facts.json',
  ecb: 'ecb-eurofxref-daily-2025-10-21.xml',
  iso20022: ['pacs.008.001.09.xsd', 'pacs.002.001.11.xsd', 'pacs.028.001.04.xsd', 'pacs.004.001.10.xsd'],
} as const;
