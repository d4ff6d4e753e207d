/**
 * `npm run compose`: composes subgraphs/<name>/schema.graphql into schema/supergraph.graphql (committed).
 * `npm run compose -- --check` exits 1 when the committed file is stale (CI and test/schema use the same check).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeSupergraph, SUPERGRAPH_PATH } from '../schema/compose.js';

const check = process.argv.includes('--check');
try {
  const { supergraphSdl, hints } = composeSupergraph();
  for (const hint of hints) console.error(`hint: ${hint}`);
  const path = fileURLToPath(SUPERGRAPH_PATH);
  if (check) {
    const committed = readFileSync(path, 'utf8');
    if (committed !== supergraphSdl) {
      console.error(`${path} is stale: run npm run compose and commit it`);
      process.exit(1);
    }
    console.log(`${path} is up to date`);
  } else {
    writeFileSync(path, supergraphSdl);
    console.log(`wrote ${path}`);
  }
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
