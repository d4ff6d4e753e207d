import { Simulator, type SimHandler, type SimRequest, type SimResponse } from '../http.js';
import { CardStore, MarqetaError, type SimTransition } from './store.js';

/**
 * The card processor simulator: a faithful subset of Marqeta's Core API v3 (../shared/vendor-specs, its swagger),
 * the parts bankgraph uses, inconvenient ones included: HTTP Basic with the application token and the admin access
 * token; users before cards; client-chosen tokens (at most 36 characters) as the only idempotency; the PAN masked
 * unless `show_pan=true`; state changes only through card transitions with a channel; lists of at most 10 per page,
 * `{ count, start_index, end_index, is_more, data }`; errors `{ error_code, error_message }`.
 *
 *   GET  /v3/users/:token                      a card holder
 *   POST /v3/users                             { token, first_name?, last_name? } -> 201 (409 same token, other payload)
 *   GET  /v3/cardproducts/:token               a card product
 *   GET  /v3/cards/user/:token                 a user's cards, ?count (1-10, default 5) &start_index
 *   GET  /v3/cards/:token                      one card (?show_pan)
 *   POST /v3/cards                             { token, user_token, card_product_token } -> 201, UNACTIVATED, ISSUED
 *   POST /v3/cardtransitions                   { token, card_token, state, channel, reason?, reason_code? } -> 201
 *   GET  /v3/cardtransitions/:token            one transition
 *   GET  /v3/velocitycontrols?user=            the spending controls that apply to a user (count 1-10)
 *   POST /__cards/:token/fulfillment/advance   admin, not Marqeta's: the carrier's next step now (up to DELIVERED)
 */

export const SANDBOX_APPLICATION_TOKEN = 'sandbox-card-application-token';
export const SANDBOX_ACCESS_TOKEN = 'sandbox-card-admin-access-token';
export { FULFILLMENT_STEP_MS } from './store.js';

const TOKEN_RE = /^[A-Za-z0-9_.\-]{1,36}$/;
const CHANNELS = ['API', 'IVR', 'FRAUD', 'ADMIN', 'SYSTEM'];
const TRANSITION_STATES: readonly SimTransition['state'][] = ['ACTIVE', 'SUSPENDED', 'TERMINATED'];
const REASON_CODE_RE = /^(0\d|[12]\d|3[0-2])$/;

export interface CardProcessorSimulatorOptions {
  /** The processor's clock (fulfillment moves on with it, new cards take their dates from it). */
  readonly now?: () => Date;
}

function error(status: number, code: string, message: string): SimResponse {
  return { status, json: { error_code: code, error_message: message } };
}

const invalid = (message: string) => new MarqetaError(400, '400', message);

function objectBody(req: SimRequest): Record<string, unknown> {
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    throw invalid('The request body must be a JSON object (Content-Type: application/json)');
  }
  return req.body as Record<string, unknown>;
}

function token(body: Record<string, unknown>, field: string, required = true): string | undefined {
  const value = body[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !TOKEN_RE.test(value)) throw invalid(`${field} must be a token of 1 to 36 characters (letters, digits, _ . -)`);
  return value;
}

/** Marqeta's paging: count 1-10 (default 5), start_index from 0. */
function page<T>(req: SimRequest, items: readonly T[]): Record<string, unknown> {
  const count = req.query.has('count') ? Number(req.query.get('count')) : 5;
  const start = req.query.has('start_index') ? Number(req.query.get('start_index')) : 0;
  if (!Number.isInteger(count) || count < 1 || count > 10) throw invalid('count must be between 1 and 10');
  if (!Number.isInteger(start) || start < 0) throw invalid('start_index must be 0 or more');
  const data = items.slice(start, start + count);
  return { count: data.length, start_index: start, end_index: start + Math.max(data.length - 1, 0), is_more: start + count < items.length, data };
}

function showPan(req: SimRequest): boolean {
  return req.query.get('show_pan') === 'true';
}

export function createCardProcessorSimulator(options: CardProcessorSimulatorOptions = {}): Simulator {
  const store = new CardStore(options.now ?? (() => new Date()));
  const sim = new Simulator({
    system: 'card-processor',
    serverError: (message) => error(500, '500', message),
    notFound: (method, path) => error(404, '404', `No resource at ${method} ${path}`),
  });
  const expected = `Basic ${Buffer.from(`${SANDBOX_APPLICATION_TOKEN}:${SANDBOX_ACCESS_TOKEN}`).toString('base64')}`;

  /** Every /v3 route: HTTP Basic first, then the handler; refusals in Marqeta's error shape. */
  const api =
    (handler: SimHandler): SimHandler =>
    async (req) => {
      if (req.headers.authorization !== expected) return error(401, '401', 'Invalid application token or access token');
      try {
        return await handler(req);
      } catch (err) {
        if (err instanceof MarqetaError) return error(err.status, err.errorCode, err.message);
        throw err;
      }
    };

  sim.route('GET', '/v3/users/:token', api((req) => ({ json: store.user(req.params.token ?? '') })));
  sim.route(
    'POST',
    '/v3/users',
    api((req) => {
      const body = objectBody(req);
      const fields = {
        token: token(body, 'token') as string,
        ...(typeof body.first_name === 'string' ? { first_name: body.first_name } : {}),
        ...(typeof body.last_name === 'string' ? { last_name: body.last_name } : {}),
      };
      const { user } = store.createUser(fields, req.rawBody);
      return { status: 201, json: user };
    }),
  );
  sim.route('GET', '/v3/cardproducts/:token', api((req) => ({ json: store.product(req.params.token ?? '') })));
  sim.route(
    'GET',
    '/v3/cards/user/:token',
    api((req) => ({ json: page(req, store.cardsOfUser(req.params.token ?? '').map((c) => store.view(c, false))) })),
  );
  sim.route('GET', '/v3/cards/:token', api((req) => ({ json: store.view(store.card(req.params.token ?? ''), showPan(req)) })));
  sim.route(
    'POST',
    '/v3/cards',
    api((req) => {
      const body = objectBody(req);
      const fields = {
        token: token(body, 'token') as string,
        user_token: token(body, 'user_token') as string,
        card_product_token: token(body, 'card_product_token') as string,
      };
      const { card } = store.createCard(fields, req.rawBody);
      return { status: 201, json: store.view(card, showPan(req)) };
    }),
  );
  sim.route(
    'POST',
    '/v3/cardtransitions',
    api((req) => {
      const body = objectBody(req);
      const state = body.state as SimTransition['state'];
      if (!TRANSITION_STATES.includes(state)) throw invalid(`state must be one of ${TRANSITION_STATES.join(', ')}`);
      if (typeof body.channel !== 'string' || !CHANNELS.includes(body.channel)) throw invalid(`channel must be one of ${CHANNELS.join(', ')}`);
      if (body.reason_code !== undefined && (typeof body.reason_code !== 'string' || !REASON_CODE_RE.test(body.reason_code))) {
        throw invalid('reason_code must be a two-digit code from 00 to 32');
      }
      if (body.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > 255)) throw invalid('reason must be at most 255 characters');
      const { transition, card } = store.transitionCard(
        {
          token: token(body, 'token') as string,
          card_token: token(body, 'card_token') as string,
          state,
          channel: body.channel,
          ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
          ...(typeof body.reason_code === 'string' ? { reason_code: body.reason_code } : {}),
        },
        req.rawBody,
      );
      const view = store.view(card, false);
      return {
        status: 201,
        json: {
          ...transition,
          fulfillment_status: card.fulfillment_status,
          card_product_token: card.card_product_token,
          last_four: view.last_four,
          pan: view.pan,
          expiration: card.expiration,
          expiration_time: view.expiration_time,
          barcode: view.barcode,
          pin_is_set: card.pin_is_set,
          expedite: false,
        },
      };
    }),
  );
  sim.route('GET', '/v3/cardtransitions/:token', api((req) => ({ json: store.transition(req.params.token ?? '') })));
  sim.route(
    'GET',
    '/v3/velocitycontrols',
    api((req) => {
      const user = req.query.get('user');
      if (!user) throw invalid('This simulator answers velocity controls by user: ?user=<user token>');
      return { json: page(req, store.controlsOfUser(user)) };
    }),
  );
  sim.route('POST', '/__cards/:token/fulfillment/advance', (req) => {
    try {
      return { json: store.view(store.advanceFulfillment(req.params.token ?? ''), false) };
    } catch (err) {
      if (err instanceof MarqetaError) return error(err.status, err.errorCode, err.message);
      throw err;
    }
  });
  return sim;
}
