import { createHash } from 'node:crypto';

/**
 * The risk-scoring system's rules, apart from HTTP: what a score request must look like, the sandbox model, and the
 * scores the sandbox customers of legacy/SANDBOX.md already have. Those are the figures the KYC simulator used to
 * report as the vendor's (legacy/kyc-provider/data.ts, riskScoreOf and seedState; copied: simulators do not import
 * each other), so a sandbox customer shows the same risk as before the score moved to the bank's own system:
 *   cust-00NN  score (N * 7) % 40, made when its KYC check completed (2025-06-01T10:00:00Z + (N - 1) hours), except
 *   cust-0001  12 (low)
 *   cust-0007  72 (high)
 *   cust-0008  never scored (its KYC check never completes)
 *   cust-0009  never scored (no KYC applicant)
 *
 * Sandbox triggers for parties scored through the API (the model, deterministic, so tests can ask for a score):
 *   last_name "Risky" (any case)                      -> 85 (high), reason sandbox_trigger, whatever else is given
 *   otherwise a base of 5..35 from a hash of first name, last name and date of birth (the KYC simulator's rule), plus
 *   country in HIGH_RISK_COUNTRIES                    -> +60, reason high_risk_country (always high)
 *   kyc.outcome "consider"                            -> +30, reason kyc_consider
 * capped at 100.
 */

export type Band = 'low' | 'medium' | 'high';
export type ReasonCode = 'high_risk_country' | 'kyc_consider' | 'sandbox_trigger';
export type Purpose = 'onboarding';

/** The model every score of this sandbox is made with. */
export const MODEL_VERSION = 'sandbox-onboarding-2025.06';
/** FATF's "call for action" jurisdictions: the sandbox model's high-risk countries. */
export const HIGH_RISK_COUNTRIES: readonly string[] = ['IR', 'KP', 'MM'];
export const CUSTOMER_COUNT = 24;
export const MAX_BATCH = 100;

export interface ScoreRequest {
  readonly reference: string;
  readonly purpose: Purpose;
  readonly party: {
    readonly customer_id: string;
    readonly first_name: string;
    readonly last_name: string;
    /** YYYY-MM-DD. */
    readonly date_of_birth: string;
    /** ISO 3166-1 alpha-2. */
    readonly country: string;
  };
  readonly kyc: { readonly outcome: 'clear' | 'consider'; readonly vendor_reference?: string };
}

/** A score as the API shows it. */
export interface StoredScore {
  readonly score_id: string;
  readonly customer_id: string;
  readonly reference: string;
  readonly purpose: Purpose;
  readonly score: number;
  readonly band: Band;
  readonly model_version: string;
  /** ISO 8601 date-time. */
  readonly scored_at: string;
  readonly reason_codes: readonly ReasonCode[];
}

/** A refusal: status, the API's error code, and a message that never echoes personal data. */
export class ScoringError extends Error {
  constructor(
    readonly status: number,
    readonly code: 'invalid_request' | 'unauthorized' | 'not_found' | 'reference_reused' | 'rate_limited' | 'unavailable',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function bandOf(score: number): Band {
  if (score < 30) return 'low';
  if (score < 60) return 'medium';
  return 'high';
}

/** The sandbox model (see the header comment). */
export function modelScore(request: ScoreRequest): { score: number; reasons: ReasonCode[] } {
  const { party, kyc } = request;
  if (party.last_name.trim().toLowerCase() === 'risky') return { score: 85, reasons: ['sandbox_trigger'] };
  const digest = createHash('sha256')
    .update(`${party.first_name.trim().toLowerCase()}|${party.last_name.trim().toLowerCase()}|${party.date_of_birth}`)
    .digest();
  let score = 5 + (digest.readUInt32BE(0) % 31);
  const reasons: ReasonCode[] = [];
  if (HIGH_RISK_COUNTRIES.includes(party.country)) {
    score += 60;
    reasons.push('high_risk_country');
  }
  if (kyc.outcome === 'consider') {
    score += 30;
    reasons.push('kyc_consider');
  }
  return { score: Math.min(100, score), reasons };
}

export const CUSTOMER_ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;
/** Any printable ASCII without blanks: callers derive references from their own ids, this system only compares them. */
const REFERENCE_RE = /^[\x21-\x7e]{1,255}$/;
const COUNTRY_RE = /^[A-Z]{2}$/;

function invalid(field: string, message: string): ScoringError {
  return new ScoringError(422, 'invalid_request', message, field);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The document's objects are closed: a field it does not know is refused, never silently dropped. */
function closed(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(value).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw invalid(where === '' ? unknown.slice(0, 40) : `${where}.${unknown.slice(0, 40)}`, `${where || 'the request'} has a field the API does not know`);
}

function name(party: Record<string, unknown>, field: 'first_name' | 'last_name'): string {
  const v = party[field];
  if (typeof v !== 'string' || v.trim() === '' || v.length > 100) throw invalid(`party.${field}`, `party.${field} must be 1 to 100 characters`);
  return v;
}

/** A real calendar date, in the past, as YYYY-MM-DD. */
function pastDate(v: unknown, today: Date): v is string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v && d.getTime() < today.getTime();
}

/** The request body as a score request, or a 422 naming the field (and never its value). */
export function readScoreRequest(body: unknown, today: Date): ScoreRequest {
  if (!isRecord(body)) throw invalid('body', 'the body must be a JSON object (Content-Type: application/json)');
  closed(body, ['reference', 'purpose', 'party', 'kyc'], '');
  if (typeof body.reference !== 'string' || !REFERENCE_RE.test(body.reference)) {
    throw invalid('reference', 'reference is required (1-255 printable characters, no blanks)');
  }
  if (body.purpose !== 'onboarding') throw invalid('purpose', 'purpose must be onboarding');
  const party = body.party;
  if (!isRecord(party)) throw invalid('party', 'party must be an object');
  closed(party, ['customer_id', 'first_name', 'last_name', 'date_of_birth', 'country'], 'party');
  if (typeof party.customer_id !== 'string' || !CUSTOMER_ID_RE.test(party.customer_id)) {
    throw invalid('party.customer_id', 'party.customer_id must be 1 to 64 letters, digits, ".", "_" or "-"');
  }
  const firstName = name(party, 'first_name');
  const lastName = name(party, 'last_name');
  if (!pastDate(party.date_of_birth, today)) throw invalid('party.date_of_birth', 'party.date_of_birth must be a past date, YYYY-MM-DD');
  if (typeof party.country !== 'string' || !COUNTRY_RE.test(party.country)) {
    throw invalid('party.country', 'party.country must be an ISO 3166-1 alpha-2 code in capitals, such as DE');
  }
  const kyc = body.kyc;
  if (!isRecord(kyc)) throw invalid('kyc', 'kyc must be an object');
  closed(kyc, ['outcome', 'vendor_reference'], 'kyc');
  if (kyc.outcome !== 'clear' && kyc.outcome !== 'consider') throw invalid('kyc.outcome', 'kyc.outcome must be clear or consider');
  const vendorReference = kyc.vendor_reference;
  if (vendorReference !== undefined && (typeof vendorReference !== 'string' || vendorReference === '' || vendorReference.length > 100)) {
    throw invalid('kyc.vendor_reference', 'kyc.vendor_reference must be 1 to 100 characters');
  }
  return {
    reference: body.reference,
    purpose: 'onboarding',
    party: { customer_id: party.customer_id, first_name: firstName, last_name: lastName, date_of_birth: party.date_of_birth, country: party.country },
    kyc: { outcome: kyc.outcome, ...(vendorReference !== undefined ? { vendor_reference: vendorReference } : {}) },
  };
}

/** Whether two requests are the same scoring (a replay) rather than a reused reference. */
export function sameRequest(a: ScoreRequest, b: ScoreRequest): boolean {
  const key = (r: ScoreRequest) =>
    JSON.stringify([r.purpose, r.party.customer_id, r.party.first_name, r.party.last_name, r.party.date_of_birth, r.party.country, r.kyc.outcome, r.kyc.vendor_reference ?? null]);
  return key(a) === key(b);
}

function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

/** Every score made, by id and by customer, and the memory of references. */
export class ScoreBook {
  private readonly byId = new Map<string, StoredScore>();
  private readonly byCustomer = new Map<string, StoredScore[]>();
  readonly byReference = new Map<string, { score: StoredScore; request: ScoreRequest | null }>();
  /** Ids rsk_0001..rsk_0024 belong to the sandbox customers (cust-00NN), scored or not; new ones follow. */
  private seq = CUSTOMER_COUNT;

  nextId(): string {
    return `rsk_${pad4(++this.seq)}`;
  }

  add(score: StoredScore, request: ScoreRequest | null): void {
    this.byId.set(score.score_id, score);
    const list = this.byCustomer.get(score.customer_id) ?? [];
    list.push(score);
    this.byCustomer.set(score.customer_id, list);
    this.byReference.set(score.reference, { score, request });
  }

  get(scoreId: string): StoredScore | undefined {
    return this.byId.get(scoreId);
  }

  /** The customer's score with the latest scored_at (of two at the same instant, the one made last). */
  latest(customerId: string): StoredScore | undefined {
    let best: StoredScore | undefined;
    for (const s of this.byCustomer.get(customerId) ?? []) if (!best || s.scored_at >= best.scored_at) best = s;
    return best;
  }
}

/** A fresh book holding the sandbox customers' scores (see the header comment). */
export function seedBook(): ScoreBook {
  const book = new ScoreBook();
  const firstCheckDone = Date.parse('2025-06-01T10:00:00Z');
  for (let n = 1; n <= CUSTOMER_COUNT; n++) {
    if (n === 8 || n === 9) continue;
    const score = n === 1 ? 12 : n === 7 ? 72 : (n * 7) % 40;
    const customerId = `cust-${pad4(n)}`;
    book.add(
      {
        score_id: `rsk_${pad4(n)}`,
        customer_id: customerId,
        reference: `sandbox-seed-${customerId}`,
        purpose: 'onboarding',
        score,
        band: bandOf(score),
        model_version: MODEL_VERSION,
        scored_at: new Date(firstCheckDone + (n - 1) * 3_600_000).toISOString(),
        reason_codes: n === 7 ? ['kyc_consider'] : [],
      },
      null,
    );
  }
  return book;
}
