import type { Server, ServerResponse } from 'node:http';
import { ErrorCode } from '../../lib/errors.js';
import { sendJson } from '../../lib/http.js';
import { customerJourneyEventsChannel, decodeJourneyEvent, encodeJourneyEvent, journeyEventsChannel } from '../../lib/journey-events.js';
import type { Logger } from '../../lib/log.js';
import type { KeyValueStore } from '../../lib/store/types.js';
import type { SignedRequest, SubgraphRoute } from '../../lib/subgraph-server.js';
import { canSeeJourney } from './access.js';
import type { JourneyEngine } from './engine/types.js';

/**
 * GET /internal/journey-events?journey=<id> | ?customer=<id>: the journey events (lib/journey-events.ts) of the
 * journeys' store, as text/event-stream, for the gateway's subscriptions when it shares no Redis with the journeys
 * (`npm start`: each service its own process and memory). Signed like /graphql (the gateway's context, the
 * subscriber's principal), and refused (403) to a principal who may not see the journey, or the customer's journeys,
 * as journey(id) would refuse them; the gateway reads every change back through journey(id) all the same.
 *
 *   : listening            once subscribed (the gateway counts from there)
 *   data: {"id",...}       one line per event
 *   : (every 10 s)         so idle proxies keep the stream, and the stream ends once this server stops listening
 */

export const JOURNEY_EVENTS_PATH = '/internal/journey-events';
const HEARTBEAT_MS = 10_000;

export interface JourneyEventRouteDeps {
  readonly engine: Pick<JourneyEngine, 'get'>;
  readonly store: KeyValueStore;
  readonly logger: Logger;
}

export function journeyEventRoutes(deps: JourneyEventRouteDeps): SubgraphRoute[] {
  return [{ path: new RegExp(`^${JOURNEY_EVENTS_PATH}$`), signed: true, handle: (request, res) => streamEvents(deps, request, res) }];
}

async function streamEvents(deps: JourneyEventRouteDeps, { req, url, context }: SignedRequest, res: ServerResponse): Promise<void> {
  const refuse = (status: number, code: ErrorCode, message: string) => sendJson(res, status, { error: { code, message } });
  if ((req.method ?? '').toUpperCase() !== 'GET') {
    res.setHeader('allow', 'GET');
    return refuse(405, ErrorCode.BAD_REQUEST, 'Use GET here.');
  }
  const journeyId = url.searchParams.get('journey');
  const customerId = url.searchParams.get('customer');
  if ((journeyId === null) === (customerId === null) || (journeyId ?? customerId) === '') {
    return refuse(400, ErrorCode.BAD_REQUEST, 'Name one journey (?journey=<id>) or one customer (?customer=<id>).');
  }
  const p = context.principal;
  const operations = p.kind === 'staff' && p.role === 'operations';
  if (journeyId !== null) {
    const record = await deps.engine.get(journeyId);
    // As journey(id): the same answer for an unknown journey and another's; operations staff may wait for any.
    if (record ? !canSeeJourney(p, record) : !operations) return refuse(403, ErrorCode.FORBIDDEN, 'There is no such journey of yours.');
  } else if (!operations && !(p.kind === 'customer' && p.customerId === customerId)) {
    return refuse(403, ErrorCode.FORBIDDEN, "Only the customer or operations staff can follow a customer's journeys.");
  }

  const channel = journeyId !== null ? journeyEventsChannel(journeyId) : customerJourneyEventsChannel(customerId!);
  // Nothing is written once the stream ended or its connection went (a write after the end is an 'error' event).
  const write = (text: string) => {
    if (!res.writableEnded && !res.destroyed) res.write(text);
  };
  const unsubscribe = await deps.store.subscribe(channel, (message) => {
    const event = decodeJourneyEvent(message);
    if (event) write(`data: ${encodeJourneyEvent(event)}\n\n`);
  });
  if (res.destroyed) {
    // The gateway hung up while the subscription was being set up.
    await unsubscribe();
    return;
  }
  const server = (req.socket as { server?: Server }).server;
  const heartbeat = setInterval(() => {
    // A server that stopped listening is draining (a rolling deploy): end the stream so the gateway opens another
    // elsewhere, rather than holding the drain until it is forced.
    if (server && !server.listening) {
      clearInterval(heartbeat);
      return void res.end();
    }
    write(': \n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();
  res.on('error', () => {});
  res.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe().catch((err: unknown) => deps.logger.warn({ err, channel }, 'unsubscribing a journey event stream failed'));
  });
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
  write(': listening\n\n');
}
