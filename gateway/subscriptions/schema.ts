import { extendSchema, parse, type GraphQLSchema } from 'graphql';

/**
 * The subscriptions the gateway serves itself (gateway/subscriptions/route.ts), added to the API schema of the
 * supergraph it serves: @apollo/gateway plans queries and mutations only. Both fields are answered by running
 * `journey(id)` through Apollo (document.ts), so what a subscriber hears is what `journey(id)` would answer them.
 */
export const SUBSCRIPTION_SDL = /* GraphQL */ `
  "Live journey status, over GraphQL over Server-Sent Events at /graphql/stream (graphql-sse)."
  type Subscription {
    """
    The journey as it changes: its current state at once, then again after each change, as journey(id) answers it
    (the same access rules: the customer it concerns, or operations staff). A refusal ends the stream.
    """
    journeyUpdated(id: ID!): Journey!
    """
    Each of the signed-in customer's own journeys as it changes, from the moment of subscribing (customers only).
    """
    myJourneyUpdated: Journey!
  }
`;

// A new type named Subscription is not a root type by its name alone in an extension: the schema is extended too.
const EXTENSION = parse(`${SUBSCRIPTION_SDL}\nextend schema { subscription: Subscription }`);

/** The API schema with the Subscription type; throws when the schema has no Journey type to subscribe to. */
export function withSubscriptions(apiSchema: GraphQLSchema): GraphQLSchema {
  if (!apiSchema.getType('Journey')) throw new Error('The supergraph has no Journey type: there is nothing to subscribe to.');
  return extendSchema(apiSchema, EXTENSION, { assumeValidSDL: true });
}
