import type { LegacyHttpClient, LegacyResponse } from '../http.js';
import type { FineractBatchRequest, FineractBatchResponse } from './dialect.js';
import { badResponse, mapFineractError } from './errors.js';

/**
 * Fineract's POST /batches: many reads in one HTTP call. Each sub-response has its own status and its body as a
 * JSON string. A 404 means "no such thing" (undefined here); 409 means the parent it referred to failed, so its own
 * answer is decided by the parent's. Any other failure of a sub-request (a refusal, or one part's 5xx) fails only
 * that read, typed like a failed call of its own.
 *
 * Only a batch whose every part is a 5xx says the system is failing, whatever the 200 around it says: then the
 * whole call fails as a 5xx would, inside the attempt, so it counts towards the breaker and is retried. One part's
 * 5xx beside healthy parts is that part's answer: it must not fail the other callers' reads, nor open the breaker
 * for everyone (issue 11, item 6).
 *
 * `BatchCoalescer` merges every read asked for in the same tick into one POST /batches: a dashboard's profile and
 * account-list reads (two DataLoaders) and the reads of concurrent requests share one legacy call. Each caller gets
 * only its own slice back, and a failed sub-request fails only the caller that asked for it.
 */

export interface SubRequest {
  readonly relativeUrl: string;
  /** Index (in the same list) of an earlier sub-request whose answer fills `$.field` in relativeUrl. */
  readonly reference?: number;
  /** Route pattern for errors and logs, e.g. "GET /clients/external-id/:externalId". */
  readonly route: string;
}

interface SubAnswer {
  readonly statusCode: number;
  readonly body: string | undefined;
}

/** Most sub-requests in one POST /batches; a larger tick is split (never splitting one caller's reads). */
const MAX_SUB_REQUESTS = 500;

/** Sends one POST /batches; answers in request order. Throws only when the call as a whole fails. */
async function sendBatch(http: LegacyHttpClient, requests: readonly SubRequest[]): Promise<SubAnswer[]> {
  const routes = [...new Set(requests.map((r) => r.route))].join(', ');
  const route = `POST /batches [${routes}]`;
  const body: FineractBatchRequest[] = requests.map((r, i) => ({
    requestId: i + 1,
    relativeUrl: r.relativeUrl,
    method: 'GET',
    ...(r.reference !== undefined ? { reference: r.reference + 1 } : {}),
  }));
  let byId = new Map<number, FineractBatchResponse>();
  // A batch of reads is a read: safe to repeat.
  await http.call({
    method: 'POST',
    path: '/batches?enclosingTransaction=false',
    route,
    body,
    idempotent: true,
    // Read inside the attempt: an unreadable or failing batch counts towards the breaker like any failed call.
    check: (response) => {
      byId = readItems(route, requests.length, response);
      failWhenEveryPartFailed(requests, byId);
    },
  });
  return requests.map((_, i) => {
    const answer = byId.get(i + 1) as FineractBatchResponse;
    return { statusCode: answer.statusCode, body: answer.body };
  });
}

/** The sub-responses by requestId; UPSTREAM_BAD_RESPONSE unless each of the `count` requests has one. */
function readItems(route: string, count: number, response: LegacyResponse): Map<number, FineractBatchResponse> {
  if (!Array.isArray(response.json)) throw badResponse(route, 'batch answer is not an array');
  const byId = new Map<number, FineractBatchResponse>();
  for (const item of response.json as unknown[]) {
    const r = item as Partial<FineractBatchResponse> | null;
    if (typeof r?.requestId !== 'number' || typeof r.statusCode !== 'number') throw badResponse(route, 'malformed batch item');
    byId.set(r.requestId, r as FineractBatchResponse);
  }
  for (let id = 1; id <= count; id++) if (!byId.has(id)) throw badResponse(route, `no answer for request ${id}`);
  return byId;
}

/**
 * When every sub-response is a 5xx, throws the first as the failure of the whole call (UPSTREAM_UNAVAILABLE naming
 * its route): the system is failing for everyone in the batch. Otherwise each failed part is left to its own caller.
 */
function failWhenEveryPartFailed(requests: readonly SubRequest[], byId: ReadonlyMap<number, FineractBatchResponse>): void {
  if (requests.every((_, i) => (byId.get(i + 1)?.statusCode ?? 0) >= 500)) {
    const first = byId.get(1) as FineractBatchResponse;
    throw partError(requests[0] as SubRequest, { statusCode: first.statusCode, body: first.body });
  }
}

/** One sub-response as a value: the parsed body, undefined for "not found", or a typed error thrown. */
function interpret(sub: SubRequest, answer: SubAnswer): unknown | undefined {
  if (answer.statusCode >= 200 && answer.statusCode < 300) {
    if (answer.body === undefined || answer.body === '') throw badResponse(sub.route, 'empty sub-response');
    try {
      return JSON.parse(answer.body);
    } catch (err) {
      throw badResponse(sub.route, 'sub-response body is not JSON', err);
    }
  }
  if (answer.statusCode === 404 || answer.statusCode === 409) return undefined;
  throw partError(sub, answer);
}

/** A failed sub-response as the typed error a failed call of its own would be (UPSTREAM_UNAVAILABLE, _REJECTED...). */
function partError(sub: SubRequest, answer: SubAnswer): Error {
  let json: unknown;
  try {
    json = answer.body ? JSON.parse(answer.body) : undefined;
  } catch {
    json = undefined; // a failure's body need not be JSON (a proxy's HTML page): the status says enough
  }
  return mapFineractError(
    { status: answer.statusCode, headers: {}, text: answer.body ?? '', json },
    { method: 'GET', path: sub.relativeUrl, route: `POST /batches > ${sub.route}`, idempotent: true },
  );
}

interface Job {
  readonly requests: readonly SubRequest[];
  readonly resolve: (answers: (unknown | undefined)[]) => void;
  readonly reject: (err: unknown) => void;
}

export class BatchCoalescer {
  private pending: Job[] = [];
  private scheduled = false;

  constructor(private readonly http: LegacyHttpClient) {}

  /** The answers to `requests`, in order (undefined for not found); `reference` indexes are within `requests`. */
  run(requests: readonly SubRequest[]): Promise<(unknown | undefined)[]> {
    if (requests.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending.push({ requests, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after every promise job and nextTick of this tick, so DataLoaders that dispatch in
        // the same tick (each after its own promise jobs) land in the same call.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const jobs = this.pending;
    this.pending = [];
    this.scheduled = false;
    let chunk: Job[] = [];
    let size = 0;
    for (const job of jobs) {
      if (size > 0 && size + job.requests.length > MAX_SUB_REQUESTS) {
        void this.send(chunk);
        chunk = [];
        size = 0;
      }
      chunk.push(job);
      size += job.requests.length;
    }
    if (chunk.length > 0) void this.send(chunk);
  }

  private async send(jobs: readonly Job[]): Promise<void> {
    const merged: SubRequest[] = [];
    const offsets: number[] = [];
    for (const job of jobs) {
      const base = merged.length;
      offsets.push(base);
      for (const r of job.requests) merged.push(r.reference !== undefined ? { ...r, reference: r.reference + base } : r);
    }
    let answers: SubAnswer[];
    try {
      answers = await sendBatch(this.http, merged);
    } catch (err) {
      for (const job of jobs) job.reject(err);
      return;
    }
    jobs.forEach((job, j) => {
      const base = offsets[j] as number;
      try {
        job.resolve(job.requests.map((sub, i) => interpret(sub, answers[base + i] as SubAnswer)));
      } catch (err) {
        job.reject(err);
      }
    });
  }
}
