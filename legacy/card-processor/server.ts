import { Simulator, type SimHandler, type SimRequest, type SimResponse } from '../http.js';
import type { CardState } from './data.js';
import { CardStore, ProcessorError, type ErrorType, type RequestRecord } from './store.js';

/**
 * The card processor simulator: a card processor's REST dialect under /v2 (snake_case, X-Api-Key, full PANs,
 * epoch millis, minor units with numeric currency codes, Stripe-like error bodies).
 *
 *   GET  /v2/cards/:card_id                        one card
 *   GET  /v2/cards?customer_refs=a,b | ?card_ids=  batch (at most 200 per call) -> { data, has_more: false }
 *   POST /v2/cards                                 { customer_ref, product_code, request_ref } -> 201 (200 on replay)
 *   POST /v2/cards/:card_id/activation             { request_ref }
 *   PUT  /v2/cards/:card_id/state                  { state, reason, request_ref }
 *   POST /v2/cards/:card_id/fulfilment/advance     test helper: next fulfilment step now
 *   GET  /v2/requests/:request_ref                 what became of a request reference (404 if never seen)
 */

export const SANDBOX_API_KEY = 'sandbox-card-key';
export const MAX_BATCH = 200;
export { FULFILMENT_STEP_MS } from './store.js';

const STATES: readonly CardState[] = ['UNACTIVATED', 'ACTIVE', 'SUSPENDED', 'TERMINATED'];
const REF_RE = /^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$/;
const PRODUCT_RE = /^[A-Z][A-Z0-9_]{1,39}$/;

export interface CardProcessorSimulatorOptions {
  /** The processor's clock (fulfilment advances with it, new cards take their dates from it). */
  readonly now?: () => Date;
}

/** Builds the processor's error body, each with its own request id (as support would ask for it). */
function errorResponder(): (status: number, type: ErrorType, message: string) => SimResponse {
  let counter = 0;
  return (status, type, message) => {
    counter += 1;
    const request_id = `req_${String(counter).padStart(8, '0')}`;
    return { status, json: { error: { type, message, request_id } }, headers: { 'request-id': request_id } };
  };
}

function invalid(message: string): ProcessorError {
  return new ProcessorError(400, 'invalid_request', message);
}

/** The JSON object body, or a 400. */
function objectBody(req: SimRequest): Record<string, unknown> {
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    throw invalid('The request body must be a JSON object (Content-Type: application/json)');
  }
  return req.body as Record<string, unknown>;
}

function requireString(body: Record<string, unknown>, field: string, re?: RegExp): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`Missing required param: ${field}`);
  if (re && !re.test(value)) throw invalid(`Invalid ${field}: ${JSON.stringify(value.slice(0, 64))}`);
  return value;
}

function listParam(req: SimRequest, name: string): string[] {
  const raw = req.query.get(name) ?? '';
  const items = raw.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw invalid(`${name} must be a comma-separated list of non-empty values`);
  if (items.length > MAX_BATCH) throw invalid(`${name} accepts at most ${MAX_BATCH} values, got ${items.length}`);
  return items;
}

function publicRequest(record: RequestRecord): Omit<RequestRecord, 'fingerprint'> {
  const { fingerprint: _internal, ...rest } = record;
  return rest;
}

export function createCardProcessorSimulator(options: CardProcessorSimulatorOptions = {}): Simulator {
  const store = new CardStore(options.now ?? (() => new Date()));
  const errorResponse = errorResponder();
  const sim = new Simulator({
    system: 'card-processor',
    serverError: (message) => errorResponse(500, 'processor_error', message),
    notFound: (method, path) => errorResponse(404, 'invalid_request', `Unrecognized request URL (${method}: ${path})`),
  });

  /** Every /v2 route: the API key first, then the handler; refusals become the processor's error body. */
  const api =
    (handler: SimHandler): SimHandler =>
    async (req) => {
      if (req.headers['x-api-key'] !== SANDBOX_API_KEY) {
        return errorResponse(401, 'unauthorized', 'Invalid API key provided');
      }
      try {
        return await handler(req);
      } catch (err) {
        if (err instanceof ProcessorError) return errorResponse(err.status, err.type, err.message);
        throw err;
      }
    };

  sim.route(
    'GET',
    '/v2/cards',
    api((req) => {
      const hasRefs = req.query.has('customer_refs');
      const hasIds = req.query.has('card_ids');
      if (hasRefs === hasIds) throw invalid('Exactly one of customer_refs or card_ids is required');
      const data = hasRefs ? store.byCustomers(listParam(req, 'customer_refs')) : store.byIds(listParam(req, 'card_ids'));
      return { json: { data, has_more: false } };
    }),
  );

  sim.route(
    'GET',
    '/v2/cards/:card_id',
    api((req) => ({ json: store.get(req.params.card_id ?? '') })),
  );

  sim.route(
    'POST',
    '/v2/cards',
    api((req) => {
      const body = objectBody(req);
      const customerRef = requireString(body, 'customer_ref', REF_RE);
      const productCode = requireString(body, 'product_code', PRODUCT_RE);
      const requestRef = requireString(body, 'request_ref', REF_RE);
      const { card, created } = store.issue(customerRef, productCode, requestRef);
      return { status: created ? 201 : 200, json: card };
    }),
  );

  sim.route(
    'POST',
    '/v2/cards/:card_id/activation',
    api((req) => {
      const requestRef = requireString(objectBody(req), 'request_ref', REF_RE);
      return { json: store.activate(req.params.card_id ?? '', requestRef) };
    }),
  );

  sim.route(
    'PUT',
    '/v2/cards/:card_id/state',
    api((req) => {
      const body = objectBody(req);
      const state = requireString(body, 'state') as CardState;
      if (!STATES.includes(state)) throw invalid(`Invalid state: expected one of ${STATES.join(', ')}`);
      requireString(body, 'reason');
      const requestRef = requireString(body, 'request_ref', REF_RE);
      return { json: store.setState(req.params.card_id ?? '', state, requestRef) };
    }),
  );

  sim.route(
    'POST',
    '/v2/cards/:card_id/fulfilment/advance',
    api((req) => ({ json: store.advanceFulfilment(req.params.card_id ?? '') })),
  );

  sim.route(
    'GET',
    '/v2/requests/:request_ref',
    api((req) => {
      const ref = req.params.request_ref ?? '';
      const record = store.request(ref);
      if (!record) throw new ProcessorError(404, 'invalid_request', `No request with request_ref ${ref}`);
      return { json: publicRequest(record) };
    }),
  );

  return sim;
}
