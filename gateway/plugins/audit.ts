import type { ApolloServerPlugin, GraphQLRequestContextExecutionDidStart } from '@apollo/server';
import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { userAgentFamily, type AuditEvent, type AuditSink } from '../../lib/audit.js';
import type { AuditedFields } from '../../lib/audited.js';
import { BankError, ErrorCode, HTTP_STATUS } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { describePrincipal } from '../../lib/principal.js';
import type { GatewayContext } from '../context.js';

/**
 * Audit of sensitive reads: one event per GraphQL request whose operation selects a field the supergraph marks
 * `@audited` (lib/audited.ts: profile, account numbers, balances, transactions, cards, wallet, KYC, a staff lookup of
 * a customer or an account, ...), decided from the parsed document and the schema before execution, recorded once the
 * result is ready with its outcome (`denied` if any FORBIDDEN error, `error` if any other error, else `ok`), the
 * customer (the principal's own, or the `id`/`ids` argument of a staff lookup) and the account ids present in the
 * result. The operation is named by its persisted id when it ran one, else by its name.
 *
 * The event is written when execution ends, before any plugin's willSendResponse: so when the write fails and the
 * audit fails closed (AUDIT_FAIL_CLOSED, on in production), the answer is replaced by AUDIT_UNAVAILABLE with no data
 * (HTTP 503) before the request log, the metrics and error masking see it. A mutation's answer is never withheld:
 * its effect happened, and a client told it failed might try again under another idempotency key.
 *
 * Not audited here: requests with no audited field (`me { id }`, a journey mutation's own status: journeys are
 * audited by the engine, subgraphs/journeys/runtime.ts), and requests refused before execution (no token, invalid
 * document, rate limited), which reached no data and are in the request log.
 */

export interface AuditPluginOptions {
  readonly sink: AuditSink;
  /** Where a failed audit write is reported. */
  readonly logger: Logger;
  /** The `@audited` fields of the supergraph being served (it changes on a reload). */
  readonly auditedFields: () => AuditedFields;
  /**
   * When the audit write fails, refuse the read (AUDIT_UNAVAILABLE, no data) instead of logging a warning and
   * answering. @default auditFailClosed() of lib/config.ts, passed by gateway/server.ts
   */
  readonly failClosed: boolean;
}

export function auditPlugin({ sink, logger, auditedFields, failClosed }: AuditPluginOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart(requestContext) {
          const { document, operation, request, contextValue, schema } = requestContext;
          if (!selectsAudited(schema, document, operation, auditedFields())) return;
          // The variables as the operation ran: its defaults, then what the client sent.
          const variables: Record<string, unknown> = {};
          for (const d of operation.variableDefinitions ?? []) {
            if (d.defaultValue) variables[d.variable.name.value] = valueFromASTUntyped(d.defaultValue);
          }
          Object.assign(variables, request.variables ?? {});
          const customerIds: string[] = [];
          const accountIds: string[] = [];
          for (const s of rootFieldNodes(document, operation.selectionSet)) {
            for (const arg of s.arguments ?? []) {
              const values = stringsOf(arg.value, variables);
              if (s.name.value === 'customer' && arg.name.value === 'id') customerIds.push(...values);
              if (s.name.value === 'customers' && arg.name.value === 'ids') customerIds.push(...values);
              if (s.name.value === 'account' && arg.name.value === 'id') accountIds.push(...values);
            }
          }
          // A persisted operation by its manifest id (the exact document run), else by name.
          const name = contextValue.persisted?.id ?? request.operationName ?? operation.name?.value ?? 'anonymous';
          return {
            // Awaited by Apollo before willSendResponse, with the result (errors formatted) in requestContext.response.
            async executionDidEnd() {
              const event = eventOf(requestContext, name, customerIds, accountIds);
              try {
                await sink.record(event);
              } catch (err) {
                refuseOrLetThrough(requestContext, err);
              }
            },
          };
        },
      };
    },
  };

  function refuseOrLetThrough(requestContext: GraphQLRequestContextExecutionDidStart<GatewayContext>, err: unknown): void {
    const { requestId } = requestContext.contextValue;
    const mutation = requestContext.operation.operation === 'mutation';
    if (!failClosed || mutation) {
      const why = mutation ? 'a mutation answers whatever the audit says' : 'AUDIT_FAIL_CLOSED=false';
      logger.warn({ requestId, err }, `audit event could not be recorded; the answer went out (${why})`);
      return;
    }
    logger.error({ requestId, err }, 'audit event could not be recorded; the read is refused (AUDIT_UNAVAILABLE)');
    const refusal = new BankError(ErrorCode.AUDIT_UNAVAILABLE, 'The audit log cannot record this read right now, so its answer is withheld. Try again later.', {
      extensions: { requestId },
    });
    requestContext.response.body = { kind: 'single', singleResult: { errors: [refusal.toJSON()] } };
    requestContext.response.http.status = HTTP_STATUS[ErrorCode.AUDIT_UNAVAILABLE] ?? 503;
  }
}

/** The event of a request that ran: whose data, which accounts, what came of it, from where. */
function eventOf(
  { response, contextValue, request }: GraphQLRequestContextExecutionDidStart<GatewayContext>,
  operation: string,
  customerIds: readonly string[],
  accountIds: readonly string[],
): AuditEvent {
  const { body } = response;
  // No body: execution threw, and Apollo answers with that error alone.
  const { data, errors } =
    body === undefined ? { data: undefined, errors: [{ message: 'execution failed' }] } : body.kind === 'single' ? body.singleResult : body.initialResult;
  const { principal } = contextValue;
  // Whose data: a customer's own; a partner's consenting customer; for staff, the customers asked for.
  const customers =
    principal.kind === 'customer'
      ? [principal.customerId]
      : principal.kind === 'partner' && principal.consent
        ? [principal.consent.customerId]
        : unique(customerIds);
  const accounts = unique([...accountIds, ...accountIdsIn(data)]);
  const codes = (errors ?? []).map((e) => e.extensions?.code);
  return {
    at: new Date().toISOString(),
    who: describePrincipal(principal),
    requestId: contextValue.requestId,
    operation,
    kind: 'read',
    ...(customers.length === 1 ? { customerId: customers[0]! } : {}),
    ...(customers.length > 1 ? { customerIds: customers } : {}),
    ...(accounts.length ? { accountIds: accounts } : {}),
    outcome: outcomeOf(data, codes),
    ...(principal.kind === 'partner' && principal.consent ? { consentId: principal.consent.id } : {}),
    from: `${contextValue.record.clientAddress ?? 'unknown'} ${userAgentFamily(request.http?.headers.get('user-agent'))}`,
  };
}

/**
 * True when the operation (through fragments) selects a field the supergraph marks `@audited`: each field is looked
 * up on the type it is selected on, so `Account.number` is audited and `StepAttempt.number` is not. On an interface
 * or union, a field counts when any of its possible types audits it.
 */
export function selectsAudited(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, audited: AuditedFields): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = new Set<string>();
  const isAudited = (parent: GraphQLCompositeType, field: string): boolean =>
    audited.has(`${parent.name}.${field}`) ||
    (isAbstractType(parent) && schema.getPossibleTypes(parent).some((t) => audited.has(`${t.name}.${field}`)));
  const walk = (set: SelectionSetNode, parent: GraphQLCompositeType): boolean =>
    set.selections.some((s) => {
      switch (s.kind) {
        case Kind.FIELD: {
          if (isAudited(parent, s.name.value)) return true;
          if (!s.selectionSet || !(isObjectType(parent) || isInterfaceType(parent))) return false;
          const field = parent.getFields()[s.name.value];
          const type = field ? getNamedType(field.type) : undefined;
          return isCompositeType(type) && walk(s.selectionSet, type);
        }
        case Kind.INLINE_FRAGMENT: {
          const type = s.typeCondition ? schema.getType(s.typeCondition.name.value) : parent;
          return isCompositeType(type) && walk(s.selectionSet, type);
        }
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments.get(s.name.value);
          if (!fragment || seen.has(s.name.value)) return false;
          seen.add(s.name.value);
          const type = schema.getType(fragment.typeCondition.name.value);
          return isCompositeType(type) && walk(fragment.selectionSet, type);
        }
      }
    });
  const root = schema.getRootType(operation.operation);
  return root !== undefined && root !== null && walk(operation.selectionSet, root);
}

/** The string values of an argument: a literal, a list, or a variable. */
function stringsOf(value: ValueNode, variables: Record<string, unknown>): string[] {
  switch (value.kind) {
    case Kind.STRING:
      return [value.value];
    case Kind.LIST:
      return value.values.flatMap((v) => stringsOf(v, variables));
    case Kind.VARIABLE: {
      const v = variables[value.name.value];
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
    }
    default:
      return [];
  }
}

/**
 * Ids of the accounts in the response, wherever they appear: any `id` value in our account id form, so an alias
 * (`accs: accounts { id }`) cannot hide them.
 */
function accountIdsIn(data: unknown): string[] {
  const ids: string[] = [];
  collectAccountIds(data, ids);
  return ids;
}

/**
 * Walks every value of the response once (it runs on every audited response, e.g. each dashboard: a module-level
 * function, and the regular expression only for strings that start like an account id).
 */
function collectAccountIds(node: unknown, ids: string[]): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) collectAccountIds(item, ids);
    return;
  }
  for (const child of Object.values(node as Record<string, unknown>)) {
    if (typeof child === 'string') {
      if (child.startsWith('acc-') && ACCOUNT_ID.test(child)) ids.push(child);
    } else {
      collectAccountIds(child, ids);
    }
  }
}

const ACCOUNT_ID = /^acc-\d+$/;

/** `ok`, or when errors came back: `partial` if data came too, `denied` if refused, else `error`. */
function outcomeOf(data: unknown, codes: readonly unknown[]): string {
  if (codes.length === 0) return 'ok';
  if (hasValue(data)) return 'partial';
  return codes.includes(ErrorCode.FORBIDDEN) || codes.includes(ErrorCode.ACCOUNT_NOT_IN_CONSENT) ? 'denied' : 'error';
}

/** True when the response carries any non-null value below its root fields. */
function hasValue(node: unknown): boolean {
  if (node === null || node === undefined) return false;
  if (Array.isArray(node)) return node.some(hasValue);
  if (typeof node === 'object') return Object.values(node as Record<string, unknown>).some(hasValue);
  return true;
}

/** The root fields of an operation, through inline fragments and fragment spreads (where arguments name customers). */
function rootFieldNodes(document: DocumentNode, root: SelectionSetNode): FieldNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = new Set<string>();
  const out: FieldNode[] = [];
  const walk = (set: SelectionSetNode): void => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) out.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(root);
  return out;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
