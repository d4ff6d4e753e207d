import { gql } from 'graphql-tag';
import { BankError, ErrorCode } from '../../lib/errors.js';
import type { Fixture, SubgraphContext } from './helpers.js';

/** Two small subgraphs sharing the Customer entity, so one operation fans out into several subgraph fetches. */

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

function whoAmI(ctx: SubgraphContext): string {
  const p = ctx.internal.principal;
  return p.kind === 'customer' ? p.customerId : p.kind === 'staff' ? p.staffId : p.clientId;
}

/** While `until` is set, `slow` waits for it instead of its `ms`: a test holds the resolver until it has its answer. */
export const slowHold: { until?: Promise<void> } = {};

const accountsResolvers: Fixture['resolvers'] = {
  Query: {
    me: (_parent, _args, ctx) => ({ id: whoAmI(ctx), name: 'Ada Lovelace' }),
    echo: (_parent, args: { text: string }) => args.text,
    legacyFailure: () => {
      throw new Error('ORA-00942: table or view does not exist at /legacy/stack/CoreBanking.java:42');
    },
    coreBankingDown: () => {
      throw new BankError(ErrorCode.UPSTREAM_UNAVAILABLE, 'Core banking is unavailable.', {
        service: 'core-banking',
        cause: new Error('ECONNREFUSED 10.0.0.7:8443 /fineract-provider/api/v1'),
      });
    },
    branchHours: () => 'Mon-Fri 09:00-17:00',
    slow: async (_parent, args: { ms: number }) => {
      await (slowHold.until ?? new Promise((r) => setTimeout(r, args.ms)));
      return 'finally';
    },
  },
  Customer: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: 'Ada Lovelace' }),
  },
};

const accountsBase = `
  type Query {
    me: Customer
    echo(text: String!): String
    legacyFailure: String
    coreBankingDown: String
    slow(ms: Int!): String
  }
  type Customer @key(fields: "id") {
    id: ID!
    name: String
  }
`;

/** The accounts subgraph as deployed: it already serves `branchHours`. */
export const accounts: Fixture = {
  name: 'accounts',
  typeDefs: gql`
    ${FEDERATION}
    ${accountsBase}
    extend type Query {
      branchHours: String
    }
  `,
  resolvers: accountsResolvers,
};

/** The same subgraph as an older supergraph knows it: without `branchHours`. */
export const accountsBeforeBranchHours: Fixture = {
  name: 'accounts',
  typeDefs: gql`
    ${FEDERATION}
    ${accountsBase}
  `,
  resolvers: accountsResolvers,
};

export const cards: Fixture = {
  name: 'cards',
  typeDefs: gql`
    ${FEDERATION}
    type Query {
      cardCount: Int
    }
    type Customer @key(fields: "id") {
      id: ID!
      cards: [Card!]
    }
    type Card {
      last4: String!
    }
  `,
  resolvers: {
    Query: { cardCount: () => 2 },
    Customer: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      cards: (customer: { id: string }) => (customer.id === 'cust-0001' ? [{ last4: '4242' }, { last4: '1881' }] : []),
    },
  },
};
