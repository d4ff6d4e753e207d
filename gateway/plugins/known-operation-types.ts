import { GraphQLError, OperationTypeNode, type ValidationRule } from 'graphql';

/**
 * An operation of a type the schema has no root for (a `subscription`: bankgraph has none) is refused at validation:
 * 400 GRAPHQL_VALIDATION_FAILED, as graphql 17's KnownOperationTypesRule does. graphql 16 lets it through, and
 * @apollo/gateway's query planner then threw, a 500 with an error-level stack for any client that sent one (issue 11,
 * item 3). No code of its own: Apollo gives every validation error GRAPHQL_VALIDATION_FAILED and HTTP 400.
 */
export const knownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    if (schema.getRootType(node.operation)) return;
    const supported = Object.values(OperationTypeNode).filter((t) => schema.getRootType(t));
    context.reportError(
      new GraphQLError(`The schema has no ${node.operation} type: it answers ${supported.join(' and ')} operations.`, { nodes: [node] }),
    );
  },
});
