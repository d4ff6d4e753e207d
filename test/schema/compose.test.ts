import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { parse } from 'graphql';
import { DASHBOARD } from '../support/operations.js';
import { composeSupergraph, subgraphSchemaPath, SUPERGRAPH_PATH } from '../../schema/compose.js';

describe('composition', () => {
  it('composes the subgraph schemas without errors, and the committed supergraph is not stale', () => {
    const { supergraphSdl } = composeSupergraph();
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8'), 'schema/supergraph.graphql is stale: run npm run compose').toBe(supergraphSdl);
  });

  it('reports a composition error instead of writing a broken supergraph', () => {
    // Two subgraphs disagreeing on a shared value type's field cannot compose.
    const broken = (name: string) => {
      const sdl = readFileSync(subgraphSchemaPath(name as never), 'utf8');
      return name === 'cards' ? sdl.replace('amount: String!', 'amount: Int!') : sdl;
    };
    expect(() => composeSupergraph(broken as never)).toThrow(/composition failed[\s\S]*Money\.amount/);
  });

  it('plans the dashboard as one parallel fetch per subgraph, KYC behind the one store read it needs', () => {
    // Query.me is shareable in every subgraph: the critical path is the slowest legacy chain, not a chain of
    // subgraph hops (accounts, then an entity fetch to cards, ...). The one chain: Onfido keeps no reference of ours,
    // so Customer.kyc @requires the applicant id the journeys subgraph holds (a store read, no legacy call).
    const supergraph = Supergraph.build(composeSupergraph().supergraphSdl);
    const plan = new QueryPlanner(supergraph).buildQueryPlan(operationFromDocument(supergraph.schema, parse(DASHBOARD)));
    const root = plan.node;
    expect(root?.kind).toBe('Parallel');
    const branches = root?.kind === 'Parallel' ? root.nodes : [];
    const fetches = branches.filter((n) => n.kind === 'Fetch').map((n) => (n.kind === 'Fetch' ? n.serviceName : ''));
    expect(fetches.sort()).toEqual(['accounts', 'cards', 'wallet']);
    const chains = branches.filter((n) => n.kind !== 'Fetch');
    expect(chains).toHaveLength(1);
    const chain = chains[0];
    expect(chain?.kind).toBe('Sequence');
    const steps = chain?.kind === 'Sequence' ? chain.nodes : [];
    const service = (n: (typeof steps)[number] | undefined): string =>
      n?.kind === 'Fetch' ? n.serviceName : n?.kind === 'Flatten' && n.node.kind === 'Fetch' ? n.node.serviceName : n?.kind ?? 'none';
    expect(steps.map(service)).toEqual(['journeys', 'kyc']);
  });
});
