import { Simulator, type SimHandler, type SimResponse } from '../http.js';
import { NotifierError, readMessage, sameMessage, seededRandom, type MessageRequest, type StoredMessage } from './data.js';

/**
 * The notifier simulator: a notification provider (email, SMS, push) that is flaky by design. Its API is our own
 * OpenAPI 3.1 document schema/legacy-apis/notifier.openapi.yaml (the contract; this is a summary):
 *
 *   POST /v1/messages { channel, to, template, params, idempotency_key }
 *        -> 202 { message_id, status: "queued" }; the same idempotency_key again -> 200 { message_id, status } of the
 *           message already accepted (never sent twice); the same key for another message -> 409.
 *        A share of sends (failureRate) fails with 503 { error: "temporarily unavailable" } before anything is recorded.
 *   GET  /v1/messages?idempotency_key=k    { messages: [...] } (zero or one)
 *   GET  /v1/messages                      { messages: [...] } every delivered message, in order (the book)
 *   GET  /v1/messages/:message_id          one message
 * Errors: { error, field? }: 422 for a malformed message, 400 for malformed JSON, 413, 404, 409, 503. Error texts never echo the recipient.
 */

export interface NotifierSimulatorOptions {
  /** Share of sends (0..1) refused with 503 before anything is recorded. @default 0.2 */
  readonly failureRate?: number;
  /** Seeds the coin that decides which sends fail, so a test sees the same failures every run. */
  readonly seed?: number;
  readonly now?: () => Date;
}

export const UNAVAILABLE = 'temporarily unavailable';

function error(status: number, message: string, field?: string): SimResponse {
  return { status, json: { error: message, ...(field ? { field } : {}) } };
}

export function createNotifierSimulator(options: NotifierSimulatorOptions = {}): Simulator {
  const failureRate = options.failureRate ?? 0.2;
  if (!Number.isFinite(failureRate) || failureRate < 0 || failureRate > 1) {
    throw new RangeError('failureRate must be between 0 and 1');
  }
  const random = options.seed !== undefined ? seededRandom(options.seed) : Math.random;
  const now = options.now ?? (() => new Date());
  const messages: StoredMessage[] = [];
  const byKey = new Map<string, { message: StoredMessage; request: MessageRequest }>();

  const sim = new Simulator({
    system: 'notifier',
    serverError: () => error(503, UNAVAILABLE),
    notFound: (method, path) => error(404, `no route ${method} ${path}`),
  });

  const api =
    (handler: SimHandler): SimHandler =>
    async (req) => {
      try {
        return await handler(req);
      } catch (err) {
        if (err instanceof NotifierError) return error(err.status, err.message, err.field);
        throw err;
      }
    };

  sim.route(
    'POST',
    '/v1/messages',
    api((req) => {
      // The provider's own flakiness: it fails before it looks at (or records) anything.
      if (failureRate > 0 && random() < failureRate) return error(503, UNAVAILABLE);
      const request = readMessage(req.body);
      const seen = byKey.get(request.idempotency_key);
      if (seen) {
        if (!sameMessage(seen.request, request)) {
          throw new NotifierError(409, 'idempotency_key was already used for a different message', 'idempotency_key');
        }
        return { status: 200, json: { message_id: seen.message.message_id, status: seen.message.status } };
      }
      const at = now().toISOString();
      const message: StoredMessage = {
        message_id: `msg_${String(messages.length + 1).padStart(8, '0')}`,
        ...request,
        status: 'delivered',
        created_at: at,
        delivered_at: at,
      };
      messages.push(message);
      byKey.set(request.idempotency_key, { message, request });
      return { status: 202, json: { message_id: message.message_id, status: 'queued' } };
    }),
  );

  sim.route(
    'GET',
    '/v1/messages',
    api((req) => {
      const key = req.query.get('idempotency_key');
      if (key === null) return { json: { messages } };
      const found = byKey.get(key);
      return { json: { messages: found ? [found.message] : [] } };
    }),
  );

  sim.route(
    'GET',
    '/v1/messages/:message_id',
    api((req) => {
      const message = messages.find((m) => m.message_id === req.params.message_id);
      if (!message) throw new NotifierError(404, 'no such message');
      return { json: message };
    }),
  );

  return sim;
}
