import type { RiskAssessment } from '../../lib/domain.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { LegacyHttpClient, type BreakerOptions, type RetryOptions } from '../http.js';
import { chunks, listable, tuning } from '../util.js';
import { SYSTEM, mapRiskScoringError, readScore, readScoreList } from './wire.js';

export { SYSTEM } from './wire.js';

/**
 * The risk-scoring connector: the bank's own scoring system (schema/legacy-apis/risk-scoring.openapi.yaml), which
 * decides whether a new customer is within the bank's risk appetite and gives the graph a customer's risk. The KYC
 * vendor verifies identities; it does not score (Onfido has no risk score), so the score is not the vendor's to give.
 * Every call carries the bank's API key as a bearer token.
 *
 * Exactly-once: scoring looks like a read (it moves nothing), but each score is recorded and becomes the customer's
 * latest, which the graph shows; a second score for one onboarding would be a second record, made later, maybe by
 * a newer model. So every score request carries the caller's reference (the journey step's), which the system
 * honours: the same reference with the same request answers 200 with the score made the first time (the same
 * score_id, figure, model and scored_at), and the same reference for another request is refused (409). A retry,
 * ours after a 5xx, a 429 or a lost answer, or the journey engine's re-run of the step after a timeout or a crash,
 * therefore answers the same score and records nothing new, which is why the call is marked `idempotent`.
 *
 * Reads are batched: the latest scores of up to 100 customers in one call. Personal data (names, date of birth) goes
 * in the request body only, never in a path, a log or an error.
 */

export interface RiskScoringConnectorOptions {
  readonly baseUrl: string;
  /** The bank's API key for the scoring system (RISK_SCORING_API_KEY). */
  readonly apiKey: string;
  /** Timeout of one attempt, ms. @default 2000 */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
}

export interface OnboardingScoreInput {
  readonly customerId: string;
  readonly firstName: string;
  readonly lastName: string;
  /** YYYY-MM-DD. */
  readonly dateOfBirth: string;
  /** Country of residence, ISO 3166-1 alpha-2. */
  readonly country: string;
  /** What the KYC vendor's checks found. */
  readonly kycOutcome: 'CLEAR' | 'CONSIDER';
  /** The KYC vendor's id of the applicant the outcome is about, kept with the score for the file. */
  readonly kycVendorReference?: string;
  /** The idempotency reference (1-255 printable ASCII characters, no blanks): the same one is one score. */
  readonly reference: string;
}

/** The most customers the system takes in one batch read. */
export const RISK_BATCH_LIMIT = 100;

/**
 * The customer ids the system knows the form of (the document's CustomerId). Any other cannot have a score, so it is
 * answered null without asking, rather than making the system refuse a whole batch for it.
 */
const CUSTOMER_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export class RiskScoringConnector {
  readonly http: LegacyHttpClient;

  constructor(options: RiskScoringConnectorOptions) {
    const authorization = `Bearer ${options.apiKey}`;
    this.http = new LegacyHttpClient({
      system: SYSTEM,
      baseUrl: options.baseUrl,
      ...tuning(options),
      headers: () => ({ authorization }),
      mapError: mapRiskScoringError,
    });
  }

  /** Scores a customer being onboarded; the same `reference` answers the score made the first time. */
  async scoreOnboarding(input: OnboardingScoreInput): Promise<RiskAssessment> {
    if (input.reference.trim() === '') throw new TypeError('a score request needs a non-empty reference');
    const route = 'POST /v1/scores';
    const json = await this.http.json<unknown>({
      method: 'POST',
      path: '/v1/scores',
      route,
      body: {
        reference: input.reference,
        purpose: 'onboarding',
        party: {
          customer_id: input.customerId,
          first_name: input.firstName,
          last_name: input.lastName,
          date_of_birth: input.dateOfBirth,
          country: input.country,
        },
        kyc: {
          outcome: input.kycOutcome === 'CLEAR' ? 'clear' : 'consider',
          ...(input.kycVendorReference !== undefined ? { vendor_reference: input.kycVendorReference } : {}),
        },
      },
      // Safe to repeat: the reference makes a repeat answer the first score (see the class comment).
      idempotent: true,
    });
    return readScore(route, json);
  }

  /** One score by its id; NOT_FOUND when the system has none by that id. */
  async getScore(scoreId: string): Promise<RiskAssessment> {
    const route = 'GET /v1/scores/:score_id';
    const json = await this.http.json<unknown>({ method: 'GET', path: `/v1/scores/${encodeURIComponent(scoreId)}`, route, idempotent: true });
    return readScore(route, json);
  }

  /** The customer's latest score, or null when the customer was never scored. */
  async latestScore(customerId: string): Promise<RiskAssessment | null> {
    if (!CUSTOMER_ID.test(customerId)) return null;
    const route = 'GET /v1/customers/:customer_id/scores/latest';
    try {
      const json = await this.http.json<unknown>({
        method: 'GET',
        path: `/v1/customers/${encodeURIComponent(customerId)}/scores/latest`,
        route,
        idempotent: true,
      });
      return readScore(route, json);
    } catch (err) {
      if (err instanceof UpstreamError && err.code === ErrorCode.NOT_FOUND) return null;
      throw err;
    }
  }

  /**
   * The latest score of each customer, in input order; null for one never scored. One call per 100 distinct
   * customers.
   */
  async latestScores(customerIds: readonly string[]): Promise<(RiskAssessment | null)[]> {
    const unique = [...new Set(customerIds)].filter((id) => listable(id) && CUSTOMER_ID.test(id));
    const route = 'GET /v1/latest-scores';
    const lists = await Promise.all(
      chunks(unique, RISK_BATCH_LIMIT).map(async (ids) => {
        const query = new URLSearchParams({ customer_ids: ids.join(',') });
        return readScoreList(route, await this.http.json<unknown>({ method: 'GET', path: `/v1/latest-scores?${query.toString()}`, route, idempotent: true }));
      }),
    );
    const byCustomer = new Map(lists.flat().map((s) => [s.customerId, s]));
    return customerIds.map((id) => byCustomer.get(id) ?? null);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
