import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPHS, subgraphUrl, type SubgraphName } from '../lib/config.js';

/**
 * Composition config: the subgraphs of the supergraph, their schema files, and the routing URLs written into the
 * supergraph (the local defaults; the gateway can override each with SUBGRAPH_<NAME>_URL at run time, so one
 * committed supergraph serves every environment).
 */
export const SUPERGRAPH_PATH = new URL('./supergraph.graphql', import.meta.url);

export function subgraphSchemaPath(name: SubgraphName): URL {
  return new URL(`../subgraphs/${name}/schema.graphql`, import.meta.url);
}

/** Routing URLs from defaults only: the committed file must not depend on whoever ran `npm run compose`. */
const DEFAULT_ENV: Record<string, string | undefined> = {};

export interface Composed {
  readonly supergraphSdl: string;
  readonly hints: readonly string[];
}

/** Composes the subgraph schemas; throws with every composition error when they do not compose. */
export function composeSupergraph(
  schemaOf: (name: SubgraphName) => string = (name) => readFileSync(subgraphSchemaPath(name), 'utf8'),
): Composed {
  const result = composeServices(
    SUBGRAPHS.map((name) => ({ name, typeDefs: parse(schemaOf(name)), url: subgraphUrl(name, DEFAULT_ENV) })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return { supergraphSdl: `${result.supergraphSdl.trim()}\n`, hints: result.hints.map((h) => h.toString()) };
}
