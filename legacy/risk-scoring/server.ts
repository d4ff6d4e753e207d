import { createHash, timingSafeEqual } from 'node:crypto';
import { Simulator, type SimHandler, type SimRequest, type SimResponse } from '../http.js';
import { CUSTOMER_ID_RE, MAX_BATCH, MODEL_VERSION, ScoringError, bandOf, modelScore, readScoreRequest, sameRequest, seedBook, type StoredScore } from './data.js';

/**
 * The risk-scoring simulator: the bank's own scoring system (its financial-crime team's model), which the KYC vendor
 * is not. Its API is our own OpenAPI 3.1 document schema/legacy-apis/risk-scoring.openapi.yaml (the contract; this
 * is a summary):
 *
 *   POST /v1/scores { reference, purpose: "onboarding", party: { customer_id, first_name, last_name, date_of_birth,
 *        country }, kyc: { outcome, vendor_reference? } }
 *        -> 201 Score { score_id, customer_id, reference, purpose, score, band, model_version, scored_at, reason_codes };
 *           the same reference again -> 200 with the score made the first time (never scored twice); the same
 *           reference for another request -> 409 reference_reused.
 *   GET  /v1/scores/:score_id                        one score
 *   GET  /v1/customers/:customer_id/scores/latest    the customer's latest score; 404 when never scored
 *   GET  /v1/latest-scores?customer_ids=a,b          { scores: [...] } the latest of each (at most 100; the never
 *                                                    scored are left out)
 * Every call carries `Authorization: Bearer <api key>` (401 otherwise) and is subject to a token-bucket rate limit
 * shared by all callers, checked first (429 with Retry-After, in seconds). Errors: { code, message, field? }: 422 for
 * a malformed request, 400 for malformed JSON, 413, 401, 404, 409, 429, 503. Messages never echo personal data.
 * Sandbox scores and triggers are listed in data.ts.
 */

export interface RiskScoringSimulatorOptions {
  /** The API key callers must send as a bearer token. @default DEFAULT_API_KEY */
  readonly apiKey?: string;
  /** Calls per second (all callers together) before it answers 429. @default 200 */
  readonly ratePerSecond?: number;
  /** The system's clock: scored_at and the rate limit follow it. */
  readonly now?: () => Date;
}

export const DEFAULT_API_KEY = 'sandbox-risk-scoring-api-key';

function error(status: number, code: ScoringError['code'], message: string, field?: string): SimResponse {
  return { status, json: { code, message, ...(field ? { field } : {}) } };
}

/** Calls per second with a burst of one second's worth; refills with the system's clock. */
class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly clockMs: () => number,
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new RangeError('ratePerSecond must be a positive number');
    this.tokens = ratePerSecond;
    this.last = clockMs();
  }

  /** True when the call may go ahead; otherwise the whole seconds until a token is back (at least 1). */
  take(): true | number {
    const t = this.clockMs();
    this.tokens = Math.min(this.ratePerSecond, this.tokens + (Math.max(0, t - this.last) * this.ratePerSecond) / 1000);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.ratePerSecond));
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function createRiskScoringSimulator(options: RiskScoringSimulatorOptions = {}): Simulator {
  const expectedKey = digest(options.apiKey ?? DEFAULT_API_KEY);
  const now = options.now ?? (() => new Date());
  const bucket = new TokenBucket(options.ratePerSecond ?? 200, () => now().getTime());
  const book = seedBook();

  const sim = new Simulator({
    system: 'risk-scoring',
    serverError: () => error(503, 'unavailable', 'temporarily unavailable'),
    notFound: (method, path) => error(404, 'not_found', `no route ${method} ${path}`),
    unreadableBody: (status, message) => error(status, 'invalid_request', message),
  });

  /** Rate limit, then the API key, then the handler; a ScoringError becomes its answer. */
  const api =
    (handler: (req: SimRequest) => SimResponse): SimHandler =>
    (req) => {
      const allowed = bucket.take();
      if (allowed !== true) return { ...error(429, 'rate_limited', 'too many calls, retry later'), headers: { 'retry-after': String(allowed) } };
      const auth = req.headers.authorization ?? '';
      const bearer = /^Bearer (\S+)$/.exec(auth)?.[1];
      // Compared as digests, in constant time: the key's length is not given away either.
      if (bearer === undefined || !timingSafeEqual(digest(bearer), expectedKey)) {
        return error(401, 'unauthorized', 'an API key is required: Authorization: Bearer <key>');
      }
      try {
        return handler(req);
      } catch (err) {
        if (err instanceof ScoringError) return error(err.status, err.code, err.message, err.field);
        throw err;
      }
    };

  const found = (score: StoredScore | undefined, what: string): SimResponse => {
    if (!score) throw new ScoringError(404, 'not_found', what);
    return { json: score };
  };

  sim.route(
    'POST',
    '/v1/scores',
    api((req) => {
      const at = now();
      const request = readScoreRequest(req.body, at);
      const seen = book.byReference.get(request.reference);
      if (seen) {
        if (seen.request === null || !sameRequest(seen.request, request)) {
          throw new ScoringError(409, 'reference_reused', 'reference was already used for a different request', 'reference');
        }
        return { status: 200, json: seen.score };
      }
      const { score, reasons } = modelScore(request);
      const made: StoredScore = {
        score_id: book.nextId(),
        customer_id: request.party.customer_id,
        reference: request.reference,
        purpose: request.purpose,
        score,
        band: bandOf(score),
        model_version: MODEL_VERSION,
        scored_at: at.toISOString(),
        reason_codes: reasons,
      };
      book.add(made, request);
      return { status: 201, json: made };
    }),
  );

  sim.route(
    'GET',
    '/v1/scores/:score_id',
    api((req) => found(book.get(req.params.score_id ?? ''), 'no such score')),
  );

  sim.route(
    'GET',
    '/v1/customers/:customer_id/scores/latest',
    api((req) => found(book.latest(req.params.customer_id ?? ''), 'the customer has no score')),
  );

  sim.route(
    'GET',
    '/v1/latest-scores',
    api((req) => {
      const raw = req.query.get('customer_ids');
      if (raw === null || raw.trim() === '') throw new ScoringError(422, 'invalid_request', 'customer_ids is required', 'customer_ids');
      const ids = [...new Set(raw.split(',').map((s) => s.trim()))];
      if (ids.length > MAX_BATCH) throw new ScoringError(422, 'invalid_request', `at most ${MAX_BATCH} customer_ids per call`, 'customer_ids');
      if (!ids.every((id) => CUSTOMER_ID_RE.test(id))) {
        throw new ScoringError(422, 'invalid_request', 'customer_ids must be customer ids (letters, digits, ".", "_" or "-"), comma-separated', 'customer_ids');
      }
      return { json: { scores: ids.flatMap((id) => book.latest(id) ?? []) } };
    }),
  );

  return sim;
}
