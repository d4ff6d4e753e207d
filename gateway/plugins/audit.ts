import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, valueFromASTUntyped, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';
import { userAgentFamily, type AuditEvent, type AuditSink } from '../../lib/audit.js';
import { ErrorCode } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { describePrincipal } from '../../lib/principal.js';
import type { GatewayContext } from '../context.js';

/**
 * Audit of sensitive reads: one event per GraphQL request whose operation selects a sensitive field (profile PII,
 * balances, transactions, cards, wallet, a staff lookup of a customer or an account), decided from the parsed
 * document before execution, recorded when the response is ready with its outcome (`denied` if any FORBIDDEN error,
 * `error` if any other error, else `ok`), the customer (the principal's own, or the `id`/`ids` argument of a staff
 * lookup) and the account ids present in the response. The operation is named by its persisted id when it ran one,
 * else by its name.
 *
 * Not audited here: requests with no sensitive field (`me { id }`, a journey mutation's own answer: journeys are
 * audited by the engine, subgraphs/journeys/runtime.ts), and requests refused before execution (no token, invalid
 * document, rate limited), which reached no data and are in the request log.
 */

/** Field names that read sensitive data, wherever they appear in the selection. */
export const SENSITIVE_FIELDS: ReadonlySet<string> = new Set([
  'profile',
  'balance',
  'availableBalance',
  'runningBalance',
  'transactions',
  'cards',
  'wallet',
  'customer',
  'customers',
  'account',
  'card',
  'kyc',
  'journey',
  'journeys',
]);

export interface AuditPluginOptions {
  readonly sink: AuditSink;
  /** Where a failed audit write is reported (the response still goes out). */
  readonly logger: Logger;
}

interface Pending {
  readonly operation: string;
  readonly customerIds: string[];
  readonly accountIds: string[];
}

export function auditPlugin({ sink, logger }: AuditPluginOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let pending: Pending | undefined;
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          if (!operation || !selectsSensitive(document, operation.selectionSet)) return;
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
          pending = {
            // A persisted operation by its manifest id (the exact document run), else by name.
            operation: contextValue.persisted?.id ?? request.operationName ?? operation.name?.value ?? 'anonymous',
            customerIds,
            accountIds,
          };
        },
        async willSendResponse({ response, contextValue, request }) {
          if (!pending || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          const { principal } = contextValue;
          // Whose data: a customer's own; a partner's consenting customer; for staff, the customers asked for.
          const customers =
            principal.kind === 'customer'
              ? [principal.customerId]
              : principal.kind === 'partner' && principal.consent
                ? [principal.consent.customerId]
                : unique(pending.customerIds);
          const accounts = unique([...pending.accountIds, ...accountIdsIn(data)]);
          const codes = (errors ?? []).map((e) => e.extensions?.code);
          const event: AuditEvent = {
            at: new Date().toISOString(),
            who: describePrincipal(principal),
            requestId: contextValue.requestId,
            operation: pending.operation,
            kind: 'read',
            ...(customers.length === 1 ? { customerId: customers[0]! } : {}),
            ...(customers.length > 1 ? { customerIds: customers } : {}),
            ...(accounts.length ? { accountIds: accounts } : {}),
            outcome: outcomeOf(data, codes),
            ...(principal.kind === 'partner' && principal.consent ? { consentId: principal.consent.id } : {}),
            from: `${contextValue.record.clientAddress ?? 'unknown'} ${userAgentFamily(request.http?.headers.get('user-agent'))}`,
          };
          // Awaited so that the event is stored when the client has its answer; a failed write is an error log, not a
          // failed response (the request log line still names the request).
          await sink.record(event).catch((err: unknown) => logger.error({ requestId: contextValue.requestId, err }, 'audit event could not be recorded'));
        },
      };
    },
  };
}

/** True when the selection (through fragments) names a sensitive field. */
function selectsSensitive(document: DocumentNode, root: SelectionSetNode): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode): boolean =>
    set.selections.some((s) => {
      switch (s.kind) {
        case Kind.FIELD:
          return SENSITIVE_FIELDS.has(s.name.value) || (s.selectionSet !== undefined && walk(s.selectionSet));
        case Kind.INLINE_FRAGMENT:
          return walk(s.selectionSet);
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments.get(s.name.value);
          if (!fragment || seen.has(s.name.value)) return false;
          seen.add(s.name.value);
          return walk(fragment.selectionSet);
        }
      }
    });
  return walk(root);
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
