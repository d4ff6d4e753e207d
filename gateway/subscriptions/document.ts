import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationRule,
  type VariableDefinitionNode,
} from 'graphql';
import { ErrorCode } from '../../lib/errors.js';

/**
 * A subscription document, checked and turned into the query that answers it. The client's document is parsed within
 * the operation limits' token count, validated against the API schema with the Subscription type (schema.ts) and
 * the gateway's own rules (known operation types, depth, aliases, directives, cost), and its one root field rewritten:
 *
 *   subscription S($id: ID!) { j: journeyUpdated(id: $id) { status } }
 *     -> query S($id: ID!) { j: journey(id: $id) { status } }
 *   subscription { myJourneyUpdated { status } }
 *     -> query ($journeyId: ID!) { myJourneyUpdated: journey(id: $journeyId) { status } }
 *
 * The response key stays the subscription's (alias or field name), so the query's data and error paths are already
 * those of the subscription. Every refusal is a GraphQL error with a stable code, as /graphql answers it.
 */

export type JourneySubscription =
  | { readonly field: 'journeyUpdated'; readonly journeyId: string; readonly plan: QueryPlan }
  | { readonly field: 'myJourneyUpdated'; readonly plan: QueryPlan };

/** The query that answers one event, and how to give it the journey's id. */
export interface QueryPlan {
  readonly query: DocumentNode;
  readonly operationName: string | undefined;
  /** The subscription's response key: the root field's alias, or its name. */
  readonly responseKey: string;
  /** The query's variables for a journey: the client's, with the journey's id where the query takes it. */
  variablesFor(journeyId: string): Record<string, unknown>;
}

export interface DocumentRules {
  readonly parseOptions: ParseOptions;
  /** The gateway's rules beyond graphql's own (plugins/known-operation-types.ts, plugins/operation-limits.ts). */
  readonly validationRules: readonly ValidationRule[];
  /** Strip "Did you mean ...?" from messages, as Apollo's hideSchemaDetailsFromClientErrors does for /graphql. */
  readonly hideSchemaSuggestions: boolean;
}

export interface SubscriptionRequest {
  readonly query: unknown;
  readonly variables?: unknown;
  readonly operationName?: unknown;
}

/** What the client sent, checked: the subscription it asks for, or the errors to answer it with. */
export function prepareSubscription(
  schema: GraphQLSchema,
  rules: DocumentRules,
  request: SubscriptionRequest,
): { readonly ok: true; readonly subscription: JourneySubscription } | { readonly ok: false; readonly errors: GraphQLFormattedError[] } {
  const refuse = (code: ErrorCode, message: string, extra: Record<string, unknown> = {}) => ({
    ok: false as const,
    errors: [{ message, extensions: { code, ...extra } }],
  });
  if (typeof request.query !== 'string' || request.query.trim() === '') return refuse(ErrorCode.BAD_REQUEST, 'The request must carry a `query`: a subscription document.');
  if (request.operationName !== undefined && request.operationName !== null && typeof request.operationName !== 'string') {
    return refuse(ErrorCode.BAD_REQUEST, '`operationName` must be a string.');
  }
  const variables = request.variables ?? {};
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) return refuse(ErrorCode.BAD_REQUEST, '`variables` must be an object.');
  const operationName = request.operationName ?? undefined;

  let document: DocumentNode;
  try {
    document = parse(request.query, { ...rules.parseOptions, noLocation: false });
  } catch (err) {
    const message = err instanceof GraphQLError ? err.message.replace(/^Syntax Error: /, '') : 'The document cannot be parsed.';
    return refuse(ErrorCode.GRAPHQL_PARSE_FAILED, `Syntax Error: ${message}`);
  }
  const invalid = validate(schema, document, [...specifiedRules, ...rules.validationRules]);
  if (invalid.length > 0) {
    return {
      ok: false,
      errors: invalid.map((e) => ({
        message: rules.hideSchemaSuggestions ? withoutSuggestions(e.message) : e.message,
        ...(e.locations ? { locations: e.locations } : {}),
        extensions: { ...e.extensions, code: ErrorCode.GRAPHQL_VALIDATION_FAILED },
      })),
    };
  }
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const names = document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value ?? '(anonymous)'] : []));
    const message = operationName
      ? `The document has no operation named "${operationName}"; it has ${names.join(', ')}.`
      : `The document has several operations (${names.join(', ')}): name one in operationName.`;
    return refuse(ErrorCode.OPERATION_RESOLUTION_FAILURE, message);
  }
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
    return refuse(ErrorCode.BAD_REQUEST, `/graphql/stream serves subscriptions; send a ${operation.operation} to /graphql.`);
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables as Record<string, unknown>);
  if (coerced.errors) {
    return { ok: false, errors: coerced.errors.map((e) => ({ message: e.message, extensions: { code: ErrorCode.BAD_USER_INPUT } })) };
  }
  // One root field: graphql's SingleFieldSubscriptionsRule made sure of it (a fragment spread at the root included).
  const root = rootField(operation.selectionSet, document);
  const name = root.name.value;
  const responseKey = root.alias?.value ?? name;
  const fragments = fragmentsUsedBy(root.selectionSet, document);

  const subscriptionType = schema.getSubscriptionType()!;
  if (name === 'journeyUpdated') {
    const args = getArgumentValues(subscriptionType.getFields()[name]!, root, coerced.coerced);
    const query = queryOf(operation.name?.value, [...(operation.variableDefinitions ?? [])], { ...root, alias: { kind: Kind.NAME, value: responseKey }, name: { kind: Kind.NAME, value: 'journey' } }, fragments);
    const plan: QueryPlan = { query, operationName: operation.name?.value, responseKey, variablesFor: () => ({ ...variables }) };
    return { ok: true, subscription: { field: 'journeyUpdated', journeyId: String(args.id), plan } };
  }
  // myJourneyUpdated: the query takes the event's journey id in a variable of its own, named apart from the client's.
  const taken = new Set((operation.variableDefinitions ?? []).map((v) => v.variable.name.value));
  let idVariable = 'journeyId';
  for (let n = 1; taken.has(idVariable); n++) idVariable = `journeyId${n}`;
  const idDefinition = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: idVariable } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
  } as const;
  const field: FieldNode = {
    ...root,
    alias: { kind: Kind.NAME, value: responseKey },
    name: { kind: Kind.NAME, value: 'journey' },
    arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'id' }, value: idDefinition.variable }],
  };
  const query = queryOf(operation.name?.value, [...(operation.variableDefinitions ?? []), idDefinition], field, fragments);
  const plan: QueryPlan = {
    query,
    operationName: operation.name?.value,
    responseKey,
    variablesFor: (journeyId) => ({ ...variables, [idVariable]: journeyId }),
  };
  return { ok: true, subscription: { field: 'myJourneyUpdated', plan } };
}

function queryOf(
  name: string | undefined,
  variableDefinitions: readonly VariableDefinitionNode[],
  field: FieldNode,
  fragments: readonly FragmentDefinitionNode[],
): DocumentNode {
  return {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        ...(name ? { name: { kind: Kind.NAME, value: name } } : {}),
        variableDefinitions,
        // Operation directives are dropped: one allowed on a subscription may not be on a query.
        directives: [],
        selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
      },
      ...fragments,
    ],
  };
}

/** The root field, through fragments spread or inlined at the root (validation allows exactly one). */
function rootField(selectionSet: SelectionSetNode, document: DocumentNode): FieldNode {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) return selection;
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootField(selection.selectionSet, document);
    const fragment = document.definitions.find((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
    if (fragment) return rootField(fragment.selectionSet, document);
  }
  throw new Error('a validated subscription has a root field');
}

/** The fragment definitions a selection reaches, transitively (other operations' fragments would be unused). */
function fragmentsUsedBy(selectionSet: SelectionSetNode | undefined, document: DocumentNode): FragmentDefinitionNode[] {
  const all = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const used = new Map<string, FragmentDefinitionNode>();
  const visit = (set: SelectionSetNode | undefined): void => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = all.get(selection.name.value);
        if (fragment && !used.has(fragment.name.value)) {
          used.set(fragment.name.value, fragment);
          visit(fragment.selectionSet);
        }
      } else {
        visit(selection.selectionSet);
      }
    }
  };
  visit(selectionSet);
  return [...used.values()];
}

/** A validation message without its "Did you mean ...?" (the same shape as Apollo's own stripping). */
function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean(.+?)\?$/, '');
}
