import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The vendors' published specifications (reference data kept beside the repository, never copied into it):
 * VENDOR_SPECS_DIR, else `../shared/vendor-specs` from the repository's root. Missing, the test fails loudly:
 * a check against a specification that is not there is no check.
 */
export function vendorSpecsDir(): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const dir = process.env.VENDOR_SPECS_DIR ? resolve(process.env.VENDOR_SPECS_DIR) : resolve(root, '..', 'shared', 'vendor-specs');
  if (!existsSync(dir)) {
    throw new Error(`the vendors' specifications are not at ${dir}: set VENDOR_SPECS_DIR to the folder that holds them`);
  }
  return dir;
}

/** One file of the vendors' specifications, as text. */
export function vendorSpec(file: string): string {
  return readFileSync(join(vendorSpecsDir(), file), 'utf8');
}
