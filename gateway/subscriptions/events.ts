import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CONTEXT_HEADER, type ContextSigner } from '../../lib/context.js';
import { customerJourneyEventsChannel, decodeJourneyEvent, journeyEventsChannel, type JourneyEvent } from '../../lib/journey-events.js';
import type { Logger } from '../../lib/log.js';
import type { Principal } from '../../lib/principal.js';
import type { KeyValueStore } from '../../lib/store/types.js';
import { REQUEST_ID_HEADER } from '../plugins/request-id.js';

/**
 * Where the gateway hears that a journey changed (lib/journey-events.ts), whichever journeys worker changed it:
 *  - StoreJourneyEvents: the gateway's own store when it is Redis (REDIS_URL, same REDIS_PREFIX as the journeys), which
 *    the journeys publish every write to;
 *  - JourneysRouteEvents: without a shared Redis (`npm start`: every service in its own process, in-memory stores),
 *    the journeys subgraph's signed internal stream, GET /internal/journey-events (subgraphs/journeys/journey-events.ts).
 * The events carry ids, versions and status only: what changed is always read back through `journey(id)`.
 */

export type JourneyTopic = { readonly journeyId: string } | { readonly customerId: string };

/** An event, or null: events may have been missed (a reconnect), so whatever is followed should be read again. */
export type JourneyListener = (event: JourneyEvent | null) => void;

export interface JourneyEventSource {
  /**
   * Calls `listener` with each event of the topic from now on; resolves once listening, with the function that stops.
   * Throws EventsRefused when the journeys refuse this principal the topic, another error when nobody can be asked.
   */
  listen(topic: JourneyTopic, principal: Principal, requestId: string, listener: JourneyListener): Promise<() => void>;
}

/** The journeys refused to stream this topic to this principal (the same rule as journey(id): not theirs). */
export class EventsRefused extends Error {}

/** Listens on the store's pub/sub (Redis): the channels the journeys engine publishes to (engine/store.ts). */
export class StoreJourneyEvents implements JourneyEventSource {
  constructor(private readonly store: KeyValueStore) {}

  async listen(topic: JourneyTopic, _principal: Principal, _requestId: string, listener: JourneyListener): Promise<() => void> {
    const channel = 'journeyId' in topic ? journeyEventsChannel(topic.journeyId) : customerJourneyEventsChannel(topic.customerId);
    // A message that is not an event (an older engine published the bare version) still says the journey changed.
    const unsubscribe = await this.store.subscribe(channel, (message) => listener(decodeJourneyEvent(message)));
    return () => void unsubscribe().catch(() => {});
  }
}

export const JOURNEY_EVENTS_PATH = '/internal/journey-events';

export interface JourneysRouteEventsOptions {
  /** The journeys subgraph's base URL (`http://host:port`, no `/graphql`), or undefined while unknown. */
  readonly baseUrl: () => string | undefined;
  readonly signer: ContextSigner;
  readonly logger: Logger;
  /** How long to wait before connecting again once the stream broke. @default 1000 */
  readonly reconnectMs?: number;
  /** Deadline for the stream's response headers. @default 5000 */
  readonly connectTimeoutMs?: number;
}

/**
 * Streams the topic from the journeys subgraph (text/event-stream, one `data:` line per event), signed like any
 * subgraph fetch (audience `journeys`, the subscriber's principal). A stream that breaks is opened again after
 * `reconnectMs`, and the listener told (null) that it may have missed events.
 */
export class JourneysRouteEvents implements JourneyEventSource {
  constructor(private readonly options: JourneysRouteEventsOptions) {}

  async listen(topic: JourneyTopic, principal: Principal, requestId: string, listener: JourneyListener): Promise<() => void> {
    const { logger } = this.options;
    const reconnectMs = this.options.reconnectMs ?? 1000;
    let stopped = false;
    let current: ClientRequest | undefined;
    let timer: NodeJS.Timeout | undefined;
    const reconnect = () => {
      if (stopped) return;
      timer = setTimeout(() => {
        this.open(topic, principal, requestId, listener, onBroken).then(
          (req) => {
            if (stopped) return void req.destroy();
            current = req;
            listener(null);
          },
          (err: unknown) => {
            logger.warn({ requestId, err: (err as Error).message }, 'the journey event stream cannot be opened again yet');
            reconnect();
          },
        );
      }, reconnectMs);
      timer.unref();
    };
    const onBroken = () => {
      if (stopped) return;
      logger.info({ requestId }, 'the journey event stream broke; opening it again');
      reconnect();
    };
    current = await this.open(topic, principal, requestId, listener, onBroken);
    return () => {
      stopped = true;
      clearTimeout(timer);
      current?.destroy();
    };
  }

  /** Opens the stream; resolves once the journeys answered 200 (listening), with the request to destroy to stop. */
  private async open(topic: JourneyTopic, principal: Principal, requestId: string, listener: JourneyListener, onBroken: () => void): Promise<ClientRequest> {
    const base = this.options.baseUrl();
    if (!base) throw new Error('the journeys subgraph has no URL yet');
    const url = new URL(`${base}${JOURNEY_EVENTS_PATH}`);
    if ('journeyId' in topic) url.searchParams.set('journey', topic.journeyId);
    else url.searchParams.set('customer', topic.customerId);
    const timeoutMs = this.options.connectTimeoutMs ?? 5000;
    // The context is checked when the stream opens; each reconnection signs a new one.
    const context = await this.options.signer.sign({ principal, requestId }, { audience: 'journeys', expiresAtMs: Date.now() + timeoutMs });
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'GET', headers: { accept: 'text/event-stream', [CONTEXT_HEADER]: context, [REQUEST_ID_HEADER]: requestId } });
      const connectTimer = setTimeout(() => req.destroy(new Error(`the journeys subgraph did not answer within ${timeoutMs} ms`)), timeoutMs);
      let answered = false;
      req.on('error', (err) => {
        clearTimeout(connectTimer);
        if (!answered) reject(err);
      });
      req.on('response', (res: IncomingMessage) => {
        clearTimeout(connectTimer);
        answered = true;
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (chunk: string) => (text += chunk.slice(0, 2000)));
          res.on('end', () => {
            const message = `the journeys subgraph answered ${res.statusCode} to the event stream: ${text.slice(0, 500)}`;
            reject(res.statusCode === 403 ? new EventsRefused(message) : new Error(message));
          });
          res.on('error', () => reject(new Error(`the journeys subgraph answered ${res.statusCode}`)));
          return;
        }
        resolve(req);
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            for (const line of block.split('\n')) {
              if (!line.startsWith('data:')) continue;
              const event = decodeJourneyEvent(line.slice(5).trim());
              if (event) listener(event);
            }
          }
        });
        res.on('error', () => {});
        res.on('close', onBroken);
      });
      req.end();
    });
  }
}
