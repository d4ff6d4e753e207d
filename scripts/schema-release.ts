/**
 * `npm run schema:release`: records the supergraph composed now as the released contract
 * (schema/released/supergraph.graphql, committed). `npm run schema:check` compares every later change with it.
 * Run it when a release ships; a release that removes or breaks something is a reviewed diff of that file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { composeSupergraph } from '../schema/compose.js';
import { RELEASED_PATH } from './schema-check.js';

try {
  const { supergraphSdl } = composeSupergraph();
  mkdirSync(dirname(RELEASED_PATH), { recursive: true });
  writeFileSync(RELEASED_PATH, supergraphSdl);
  console.log(`released: wrote ${RELEASED_PATH}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
