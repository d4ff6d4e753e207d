import type { RiskAssessment, RiskLevel } from '../../lib/domain.js';
import { ErrorCode, UpstreamError, type UpstreamDetail } from '../../lib/errors.js';
import type { LegacyCall, LegacyResponse } from '../http.js';

/**
 * The risk-scoring system's dialect (schema/legacy-apis/risk-scoring.openapi.yaml): its Score read defensively into
 * a RiskAssessment, and its error body `{ code, message, field? }` into our codes. Only the connector imports this.
 */

export const SYSTEM = 'risk-scoring';

const LEVEL_OF: Record<string, RiskLevel> = { low: 'LOW', medium: 'MEDIUM', high: 'HIGH' };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An answer we cannot read: the system is misbehaving (counts for the breaker), and never a guessed score. */
export function badResponse(route: string, what: string): UpstreamError {
  return new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, SYSTEM, `${SYSTEM} sent an answer bankgraph cannot read`, { route, legacyMessage: what });
}

/** One Score of the wire as a RiskAssessment; anything out of shape is UPSTREAM_BAD_RESPONSE on `route`. */
export function readScore(route: string, json: unknown): RiskAssessment {
  if (!isRecord(json)) throw badResponse(route, 'a score that is not an object');
  const text = (key: string): string => {
    const v = json[key];
    if (typeof v !== 'string' || v === '') throw badResponse(route, `a score whose ${key} is not a string`);
    return v;
  };
  const score = json.score;
  // The system scores in whole points from 0 to 100; 12.5 is not a score it sends, so it is not one we round.
  if (typeof score !== 'number' || !Number.isInteger(score) || score < 0 || score > 100) throw badResponse(route, 'a score that is not a whole number from 0 to 100');
  const level = LEVEL_OF[text('band')];
  if (level === undefined) throw badResponse(route, `a score with the band ${JSON.stringify(json.band).slice(0, 20)}`);
  const scoredAt = new Date(text('scored_at'));
  if (Number.isNaN(scoredAt.getTime())) throw badResponse(route, 'a score whose scored_at is not a date-time');
  return {
    scoreId: text('score_id'),
    customerId: text('customer_id'),
    score,
    level,
    modelVersion: text('model_version'),
    scoredAt: scoredAt.toISOString(),
  };
}

/** `{ scores: [...] }` of the batch read. */
export function readScoreList(route: string, json: unknown): RiskAssessment[] {
  const list = isRecord(json) ? json.scores : undefined;
  if (!Array.isArray(list)) throw badResponse(route, 'a score list without scores');
  return list.map((s) => readScore(route, s));
}

/**
 * The system's `{ code, message, field? }` as one of our codes. Its messages never carry personal data (the document
 * says so), and they go to the error's detail only, which clients never see.
 */
export function mapRiskScoringError(response: LegacyResponse, call: LegacyCall): UpstreamError {
  const body = isRecord(response.json) ? response.json : undefined;
  const code = typeof body?.code === 'string' ? body.code : undefined;
  const message = typeof body?.message === 'string' ? body.message : response.text;
  const field = typeof body?.field === 'string' ? ` (field ${body.field.slice(0, 60)})` : '';
  const detail: UpstreamDetail = { route: call.route, status: response.status, ...(code ? { legacyCode: code } : {}), legacyMessage: `${message.slice(0, 500)}${field}` };
  const { status } = response;
  if (status === 429) {
    // The system protecting itself, not failing: LegacyHttpClient retries a safe call after its Retry-After and
    // keeps a 429 out of the breaker's count (UpstreamError.isRateLimited).
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is busy, try again shortly`, detail);
  }
  if (status === 401 || status === 403) {
    // Our API key was refused: a misconfiguration on our side that no repeat mends.
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, { ...detail, retryable: false });
  }
  if (status >= 500) return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, detail);
  if (status === 404) return new UpstreamError(ErrorCode.NOT_FOUND, SYSTEM, `${SYSTEM} does not know this score`, detail);
  return new UpstreamError(ErrorCode.UPSTREAM_REJECTED, SYSTEM, `${SYSTEM} refused the request`, detail);
}
