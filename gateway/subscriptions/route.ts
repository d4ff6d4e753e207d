import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { FormattedExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { createHandler, type ExecutionResult, type Handler, type RequestParams } from 'graphql-sse';
import { BankError, ErrorCode, HTTP_STATUS } from '../../lib/errors.js';
import { errorBody, sendJson } from '../../lib/http.js';
import type { Logger } from '../../lib/log.js';
import { describePrincipal, type Principal } from '../../lib/principal.js';
import type { GatewayContext, RequestRecord } from '../context.js';
import type { Authentication } from '../plugins/authentication.js';
import type { GatewayMetrics } from '../plugins/metrics.js';
import { prepareSubscription, type DocumentRules, type JourneySubscription } from './document.js';
import type { JourneyEventSource } from './events.js';
import { followJourneys, Outbox } from './follow.js';
import { serveWithHandler, subscriptionRequest } from './transport.js';

/**
 * GraphQL over Server-Sent Events (the graphql-sse protocol, "distinct connections mode": one subscription per
 * request, POST or GET with `Accept: text/event-stream`) at /graphql/stream, served by the gateway itself, since
 * @apollo/gateway plans no subscriptions. The same bearer token as /graphql (401 UNAUTHENTICATED without one); the
 * document is checked as /graphql checks one (document.ts) and answered with `journey(id)` run through Apollo as the
 * subscriber (follow.ts), so every plugin and the journeys' access rules apply to each state sent.
 *
 * Each state is read with the token verified again: once it has expired the stream ends with UNAUTHENTICATED.
 *
 * Refused before any stream opens, as JSON with a code:
 *  - partners: PERSISTED_OPERATION_REQUIRED. They run persisted operations of their own manifest only, and no
 *    manifest holds a subscription (a partner follows its payment with its persisted operations);
 *  - a principal with `maxPerPrincipal` streams open on this gateway already: RATE_LIMITED (429);
 *  - graphql-sse's "single connection mode" (PUT to reserve a stream, then operations by token): 405. A reserved
 *    stream lives in one gateway's memory and its token names no principal; behind a load balancer it cannot work.
 * Refusals of the document itself come as the stream's one `next` event ({"errors": [...]}, each with its code),
 * then `complete`, as graphql-sse answers validation errors to an event-stream client.
 */

export const SUBSCRIPTIONS_PATH = '/graphql/stream';

export interface SubscriptionRouteOptions {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly authentication: Authentication;
  /** The API schema with the Subscription type (schema.ts), once the supergraph is loaded. */
  readonly schema: () => GraphQLSchema | undefined;
  readonly rules: DocumentRules;
  readonly source: JourneyEventSource;
  readonly logger: Logger;
  readonly metrics?: GatewayMetrics;
  /** Streams one principal may hold open on one gateway. @default 10 */
  readonly maxPerPrincipal?: number;
  /** How often a subscription reads its journeys again whatever it heard (pub/sub may lose a message). @default 30000 */
  readonly resyncMs?: number;
  /** Largest POST body accepted (413 beyond): the gateway's. */
  readonly bodyLimitBytes: number;
}

/** What onSubscribe needs of the HTTP request it was given (graphql-sse passes the raw request through). */
interface StreamRequest {
  readonly record: RequestRecord;
  readonly principal: Principal;
  /** The Authorization header, verified again before each read: a stream ends with its token. */
  readonly authorization: string | undefined;
}

export class SubscriptionRoute {
  private readonly streams = new WeakMap<IncomingMessage, StreamRequest>();
  private readonly open = new Map<string, number>();
  private readonly following = new Set<Outbox<FormattedExecutionResult>>();
  private readonly handler: Handler<IncomingMessage>;

  constructor(private readonly options: SubscriptionRouteOptions) {
    this.handler = createHandler<IncomingMessage>({
      // No stream tokens: distinct connections only (see above).
      authenticate: () => null,
      onSubscribe: (req, params) => {
        const stream = this.streams.get(req.raw);
        if (!stream) throw new Error('a subscription request the route did not authenticate');
        // Our results are formatted (plain errors, as Apollo sends them); graphql-sse only serialises them.
        return this.subscribe(stream, params) as unknown as Promise<ExecutionResult | AsyncIterable<ExecutionResult>>;
      },
    });
  }

  handles(path: string): boolean {
    return path === SUBSCRIPTIONS_PATH;
  }

  async serve(record: RequestRecord, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      return refuse(res, record, 405, ErrorCode.BAD_REQUEST, `${SUBSCRIPTIONS_PATH} accepts GET and POST (one subscription per stream), not ${method}.`);
    }
    let principal: Principal;
    try {
      ({ principal } = await this.options.authentication.authenticate(req.headers.authorization));
    } catch (err) {
      if (!(err instanceof BankError)) throw err;
      const http = err.extensions.http as { status?: number; headers?: Map<string, string> } | undefined;
      for (const [name, value] of http?.headers ?? []) res.setHeader(name, value);
      return refuse(res, record, http?.status ?? HTTP_STATUS[err.code] ?? 401, err.code, err.message);
    }
    record.principal = principal;
    if (principal.kind === 'partner') {
      const message = 'Partners run persisted operations of their own manifest only, and no manifest holds a subscription.';
      return refuse(res, record, HTTP_STATUS[ErrorCode.PERSISTED_OPERATION_REQUIRED] ?? 400, ErrorCode.PERSISTED_OPERATION_REQUIRED, message);
    }
    if (req.headers.accept !== 'text/event-stream') {
      const message = `${SUBSCRIPTIONS_PATH} answers with Server-Sent Events: send "Accept: text/event-stream" (graphql-sse's createClient does).`;
      return refuse(res, record, 406, ErrorCode.BAD_REQUEST, message);
    }
    const who = describePrincipal(principal);
    const max = this.options.maxPerPrincipal ?? 10;
    const held = this.open.get(who) ?? 0;
    if (held >= max) {
      return refuse(res, record, 429, ErrorCode.RATE_LIMITED, `At most ${max} subscriptions may be open at once; close one first.`);
    }
    // The slot is the connection's: taken now, given back when it closes, however the subscription ended.
    this.open.set(who, held + 1);
    res.once('close', () => {
      const left = (this.open.get(who) ?? 1) - 1;
      if (left > 0) this.open.set(who, left);
      else this.open.delete(who);
    });
    this.streams.set(req, { record, principal, authorization: req.headers.authorization });
    try {
      const params = await subscriptionRequest(req, new URL(req.url ?? '/', 'http://gateway').search, this.options.bodyLimitBytes);
      if ('status' in params) {
        if (params.closeConnection) res.setHeader('connection', 'close');
        return refuse(res, record, params.status, params.code, params.message);
      }
      await serveWithHandler(this.handler, req, res, params);
    } catch (err) {
      // A client that hung up mid-write is not the gateway's failure: an info line, not the edge's error line.
      if (!res.destroyed && !req.socket.destroyed) throw err;
      this.options.logger.info({ requestId: record.requestId, reason: (err as Error).message }, 'a subscriber hung up');
    }
  }

  /** Ends every open subscription (the gateway is stopping): each client gets `complete`. */
  close(): void {
    for (const outbox of [...this.following]) outbox.end();
  }

  private async subscribe(stream: StreamRequest, params: RequestParams): Promise<FormattedExecutionResult | Outbox<FormattedExecutionResult>> {
    const { record, principal } = stream;
    const schema = this.options.schema();
    if (!schema) return failed(record, [{ message: 'The gateway is still loading its schema; subscribe again shortly.', extensions: { code: ErrorCode.UPSTREAM_UNAVAILABLE } }]);
    const prepared = prepareSubscription(schema, this.options.rules, params);
    if (!prepared.ok) return failed(record, prepared.errors);
    const { subscription } = prepared;
    record.operationName = subscription.plan.operationName ?? null;
    if (subscription.field === 'myJourneyUpdated' && principal.kind !== 'customer') {
      return failed(record, [{ message: 'myJourneyUpdated follows the signed-in customer’s own journeys: customers only.', extensions: { code: ErrorCode.FORBIDDEN } }]);
    }
    const followed = await followJourneys({
      subscription,
      principal,
      requestId: record.requestId,
      source: this.options.source,
      read: (journeyId) => this.read(stream, subscription, journeyId),
      resyncMs: this.options.resyncMs ?? 30_000,
      logger: this.options.logger,
    });
    if (!(followed instanceof Outbox)) return failed(record, followed.errors ?? []);
    const { metrics } = this.options;
    metrics?.subscriptionStarted();
    this.following.add(followed);
    followed.whenClosed(() => {
      this.following.delete(followed);
      metrics?.subscriptionEnded();
    });
    return followed;
  }

  /** journey(id) as the subscriber would send it to /graphql: through Apollo, its plugins and the journeys' rules. */
  private async read({ record: stream, principal, authorization }: StreamRequest, subscription: JourneySubscription, journeyId: string): Promise<FormattedExecutionResult> {
    const { plan } = subscription;
    try {
      // The token is verified again (remembered until it expires, so this costs a lookup): an expired token ends the
      // stream with UNAUTHENTICATED, as it would end the app's /graphql requests.
      await this.options.authentication.authenticate(authorization);
    } catch (err) {
      if (!(err instanceof BankError)) throw err;
      stream.errorCodes.push(err.code);
      return { data: null, errors: [{ message: err.message, extensions: { code: err.code } }] };
    }
    const record: RequestRecord = {
      requestId: stream.requestId,
      startedAt: process.hrtime.bigint(),
      principal,
      ...(stream.clientAddress ? { clientAddress: stream.clientAddress } : {}),
      errorCodes: [],
    };
    const contextValue: GatewayContext = { requestId: stream.requestId, principal, record };
    const response = await this.options.apollo.executeOperation(
      { query: plan.query, variables: plan.variablesFor(journeyId), ...(plan.operationName ? { operationName: plan.operationName } : {}) },
      { contextValue },
    );
    if (response.body.kind !== 'single') throw new Error('journey(id) answered incrementally');
    // What the stream's request log line shows: the codes of its reads, a bounded few.
    stream.errorCodes.push(...record.errorCodes.slice(0, Math.max(0, 20 - stream.errorCodes.length)));
    const { data, errors } = response.body.singleResult;
    return { ...(data !== undefined ? { data } : {}), ...(errors ? { errors } : {}) };
  }
}

/** A subscription answered with errors only: one `next`, then `complete` (graphql-sse needs the `data` key). */
function failed(record: RequestRecord, errors: readonly GraphQLFormattedError[]): FormattedExecutionResult {
  for (const e of errors) if (typeof e.extensions?.code === 'string') record.errorCodes.push(e.extensions.code);
  return { data: null, errors };
}

function refuse(res: ServerResponse, record: RequestRecord, status: number, code: ErrorCode, message: string): void {
  record.errorCodes.push(code);
  sendJson(res, status, errorBody(code, message));
}
