import { badUserInput } from '../../../lib/errors.js';
import { availableActions, stuckStep } from '../engine/intervention.js';
import { decodeCursor, encodeCursor, type JourneyQuery } from '../engine/queue-index.js';
import type { JourneyStatus } from '../engine/types.js';
import type {
  JourneyActionResolvers,
  JourneyFilter,
  JourneyResolvers,
  JourneyStepResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../__generated__/resolvers-types.js';
import { visibleStatus } from './actions.js';

/**
 * The graph of operations: the work queue (Query.journeys), its summary, a journey's whole story (the fields below on
 * Journey and JourneyStep) and the four-eyes actions (actions.ts). Who may call them is permissions.ts's business:
 * operations staff.
 */

const MAX_PAGE = 100;

export const operationsQuery: Pick<QueryResolvers, 'journeys' | 'journeySummary'> = {
  journeys: async (_parent, { filter, first, after }, ctx) => {
    const size = first ?? 20;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) throw badUserInput('first', `first must be between 1 and ${MAX_PAGE}, got ${size}`);
    const cursor = after === null || after === undefined ? null : decodeCursor(after);
    if (after && cursor === null) throw badUserInput('after', 'after must be the endCursor of a previous page');
    const page = await ctx.engine.list(queryOf(filter ?? {}), size, cursor);
    return { nodes: page.records, pageInfo: { hasNextPage: page.next !== null, endCursor: page.next ? encodeCursor(page.next) : null } };
  },
  journeySummary: async (_parent, _args, ctx) => {
    const counts = await ctx.engine.count();
    return {
      byStatus: [...counts.byStatus].map(([status, count]) => ({ status, count })),
      byType: [...counts.byType].map(([type, count]) => ({ type: type as never, count })),
      parkedByType: [...counts.parkedByType].map(([type, count]) => ({ type: type as never, count })),
    };
  },
};

export const operationsMutation: Pick<MutationResolvers, 'requestJourneyAction' | 'approveJourneyAction' | 'declineJourneyAction'> = {
  requestJourneyAction: (_parent, { idempotencyKey, input }, ctx) =>
    ctx.actions.request(
      ctx.principal,
      idempotencyKey,
      { journeyId: input.journeyId, kind: input.kind, resolution: input.resolution ?? null, reason: input.reason },
      ctx.requestId,
    ),
  approveJourneyAction: (_parent, { journeyId, actionId, reason }, ctx) => ctx.actions.approve(ctx.principal, journeyId, actionId, reason ?? null, ctx.waitMs, ctx.requestId),
  declineJourneyAction: (_parent, { journeyId, actionId, reason }, ctx) => ctx.actions.decline(ctx.principal, journeyId, actionId, reason, ctx.requestId),
};

/** The story fields of a journey. */
export const journeyStory: Pick<JourneyResolvers, 'statusSince' | 'actions' | 'availableActions' | 'stuckStep'> = {
  statusSince: (r) => r.statusSince ?? r.createdAt,
  actions: (r) => [...(r.actions ?? [])],
  availableActions: (r, _args, ctx) => availableActions(ctx.engine.flowOf(r.type), r),
  stuckStep: (r) => stuckStep(r)?.name ?? null,
};

export const stepStory: Pick<JourneyStepResolvers, 'attemptHistory' | 'lastErrorCode'> = {
  attemptHistory: (s, { first, after }) => {
    const size = first ?? 20;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) throw badUserInput('first', `first must be between 1 and ${MAX_PAGE}, got ${size}`);
    let start = 0;
    if (after !== null && after !== undefined) {
      const index = /^a(\d{1,9})$/.exec(after);
      if (!index) throw badUserInput('after', 'after must be the endCursor of a previous page');
      start = Number(index[1]) + 1;
    }
    const nodes = s.attempts.slice(start, start + size);
    const last = start + nodes.length - 1;
    return {
      nodes,
      totalCount: s.attempts.length,
      pageInfo: { hasNextPage: last + 1 < s.attempts.length, endCursor: nodes.length > 0 ? `a${last}` : null },
    };
  },
  lastErrorCode: (s) => s.attempts[s.attempts.length - 1]?.errorCode ?? null,
};

export const JourneyAction: JourneyActionResolvers = {
  status: (a) => visibleStatus(a),
};

/** The filter as the store reads it; BAD_USER_INPUT naming the field for a date or duration that is not one. */
function queryOf(filter: JourneyFilter): JourneyQuery {
  const at = (field: 'createdAfter' | 'createdBefore'): number | undefined => {
    const value = filter[field];
    if (value === null || value === undefined) return undefined;
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (!Number.isFinite(ms)) throw badUserInput(`filter.${field}`, `${field} must be an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z`);
    return ms;
  };
  const waiting = filter.waitingLongerThan;
  if (waiting !== null && waiting !== undefined && !(Number.isInteger(waiting) && waiting >= 0)) {
    throw badUserInput('filter.waitingLongerThan', `waitingLongerThan is a number of seconds (0 or more), got ${waiting}`);
  }
  const createdAfter = at('createdAfter');
  const createdBefore = at('createdBefore');
  return {
    ...(filter.status ? { status: filter.status as JourneyStatus } : {}),
    ...(filter.type ? { type: filter.type } : {}),
    ...(filter.customerId ? { customerId: filter.customerId } : {}),
    ...(createdAfter !== undefined ? { createdAfter } : {}),
    ...(createdBefore !== undefined ? { createdBefore } : {}),
    ...(waiting !== null && waiting !== undefined ? { waitingLongerThanMs: waiting * 1000 } : {}),
  };
}

