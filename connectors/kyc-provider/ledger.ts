import { randomUUID } from 'node:crypto';
import type { KeyValueStore } from '../../lib/store/index.js';

/**
 * Exactly-once creation at a vendor that has no idempotency (Onfido: a repeated POST /applicants or POST /checks
 * makes a second one, and an applicant carries no reference of ours). Bankgraph keeps its own record, in the
 * journeys' store (Redis in production):
 *
 *   1. before the call, the intent: `{state: "creating", reference, since}` (written only if nothing is there)
 *   2. the call (never retried by the HTTP client: its outcome may be unknown)
 *   3. after it, the id: `{state: "created", id, reference}`
 *
 * Any later attempt (a retry, a re-run after a timeout, another worker after a crash between 2 and 3) reads the
 * record first: an id is the answer; an intent means an earlier call may have landed, so the vendor is asked first
 * (`find`: the applicants created since the intent that carry exactly what was sent, or the applicant's checks
 * tagged with the reference). When it shows nothing, the intent's age decides: younger than the settle window
 * (longer than the HTTP timeout of the call that wrote it, plus a margin), that call may still be under way, so
 * nothing is made (CreationInProgress: ask again later); older, the intent is taken over by compare-and-set and the
 * call made again. Only the call whose intent stands records its id (compare-and-set against that intent), so two
 * workers, or a retry racing a slow first POST, make one resource. A create the vendor refused outright (4xx, or a
 * connection refused) releases its intent at once: the next attempt does not wait.
 *
 * The one case this cannot settle is a person onboarded twice at the same moment with the same details (two
 * journeys, two intents, one look-up finding both); the newest match is taken then. For a payee's screening that is
 * harmless: its applicant carries nothing but the payee's name, so another screening's applicant of the same name
 * is as good a subject for our tagged check as our own.
 *
 * The customer -> applicant mapping is this record (`applicantKey`): the KYC subgraph reads it through federation
 * (the journeys subgraph resolves `Customer.kycApplicantId`).
 */

export type Ledger = Pick<KeyValueStore, 'get' | 'set' | 'setIfAbsent' | 'compareAndSet'>;

type Entry =
  /**
   * `since`: when the first intent under this key was written (what a look-up reaches back to); `at`: when the intent
   * now standing was written (what the settle window counts from; 0 once its call is known not to have made
   * anything); `owner`: which call wrote it (only that call turns it into `created` without asking again).
   */
  | { readonly state: 'creating'; readonly reference: string; readonly since: number; readonly at?: number; readonly owner?: string }
  | { readonly state: 'created'; readonly id: string; readonly reference: string };

/** The record of a customer's applicant: the mapping bankgraph keeps (Onfido's applicants have no external id). */
export const applicantKey = (customerId: string) => `kyc:applicant:${customerId}`;
/** The record of a check started by a journey step. */
export const checkKey = (reference: string) => `kyc:check:${reference}`;
/** The record of the applicant made for a payee's screening. */
export const payeeKey = (reference: string) => `kyc:payee:${reference}`;

function parse(raw: string | null): Entry | null {
  if (raw === null) return null;
  const v = JSON.parse(raw) as Partial<Entry> & { state?: unknown };
  if (v.state === 'created' && typeof (v as { id?: unknown }).id === 'string') return v as Entry;
  if (v.state === 'creating' && typeof (v as { since?: unknown }).since === 'number') return v as Entry;
  throw new Error(`the KYC ledger holds something unreadable under this key: ${raw.slice(0, 100)}`);
}

/** The id recorded under `key`, null when nothing was created (or the creation is not known to have landed). */
export async function recordedId(ledger: Pick<KeyValueStore, 'get'>, key: string): Promise<string | null> {
  const entry = parse(await ledger.get(key));
  return entry?.state === 'created' ? entry.id : null;
}

/**
 * Another call's creation may still be under way (its intent is younger than the settle window and the vendor shows
 * nothing yet): making the resource now could make a second one. Ask again after `retryAfterMs`. Not a failure of
 * the vendor: a journey step waits (StepPending), it does not spend a retry.
 */
export class CreationInProgress extends Error {
  override readonly name = 'CreationInProgress';
  constructor(readonly retryAfterMs: number, key: string) {
    super(`another attempt is creating ${key.split(':').slice(0, 2).join(' ')} and may still land; asking the vendor again in ${retryAfterMs} ms`);
  }
}

export interface OnceSteps {
  /** Makes the resource; its id. */
  create(): Promise<string>;
  /** The resource an earlier `create` under this key made since `since` (epoch ms, our clock), if any. */
  find(since: number): Promise<string | null>;
  /**
   * Whether an error of `create` proves nothing was made (the vendor refused with a 4xx, the connection was refused):
   * the intent is then released at once. Anything else (a timeout, a dropped connection, a 5xx) may have landed.
   */
  madeNothing?(err: unknown): boolean;
}

export interface OnceOptions {
  /**
   * How long an intent of another call is presumed to be in flight: longer than that call's HTTP timeout, plus a
   * margin for the vendor finishing a request whose client gave up. Within it, a look-up that finds nothing means
   * "not yet", not "never": nothing is made. @default 10 s
   */
  readonly settleMs?: number;
  readonly clock?: () => number;
}

export const DEFAULT_SETTLE_MS = 10_000;
const MAX_ROUNDS = 10;

/** The id of the resource `key` stands for, created at most once (see the header comment). */
export async function createOnce(ledger: Ledger, key: string, reference: string, steps: OnceSteps, options: OnceOptions = {}): Promise<string> {
  const clock = options.clock ?? Date.now;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const owner = randomUUID();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const raw = await ledger.get(key);
    const entry = parse(raw);
    if (entry?.state === 'created') return entry.id;
    if (entry === null || raw === null) {
      const mine = JSON.stringify({ state: 'creating', reference, since: clock(), at: clock(), owner } satisfies Entry);
      if (await ledger.setIfAbsent(key, mine)) return createAs(ledger, key, reference, mine, steps);
      continue;
    }
    // Another call's intent (or an earlier attempt of this one: a retry does not know it wrote it). Whatever it made
    // since the first intent is the answer.
    const found = await steps.find(entry.since);
    if (found !== null) return settle(ledger, key, raw, found, reference);
    const age = clock() - (entry.at ?? entry.since);
    if (age < settleMs) throw new CreationInProgress(settleMs - age, key);
    // Long enough that its call has ended: it made nothing. Take the intent over (keeping `since`), then make it.
    const mine = JSON.stringify({ state: 'creating', reference, since: entry.since, at: clock(), owner } satisfies Entry);
    if (await ledger.compareAndSet(key, raw, mine)) return createAs(ledger, key, reference, mine, steps);
  }
  throw new Error(`the KYC ledger under ${key} changed ${MAX_ROUNDS} times while this call read it`);
}

/** Makes the resource under the intent `mine` (written by this call), then records its id against that intent. */
async function createAs(ledger: Ledger, key: string, reference: string, mine: string, steps: OnceSteps): Promise<string> {
  let id: string;
  try {
    id = await steps.create();
  } catch (err) {
    if (steps.madeNothing?.(err)) {
      // Nothing was made: the next attempt need not wait out the settle window (it still looks first).
      const released = { ...(JSON.parse(mine) as Extract<Entry, { state: 'creating' }>), at: 0 };
      await ledger.compareAndSet(key, mine, JSON.stringify(released)).catch(() => false);
    }
    throw err;
  }
  return settle(ledger, key, mine, id, reference);
}

/** Records `id` in place of the intent `expected`; when someone recorded an id first, theirs is the answer. */
async function settle(ledger: Ledger, key: string, expected: string, id: string, reference: string): Promise<string> {
  const created = JSON.stringify({ state: 'created', id, reference } satisfies Entry);
  if (await ledger.compareAndSet(key, expected, created)) return id;
  const now = parse(await ledger.get(key));
  if (now?.state === 'created') return now.id;
  // Replaced by another intent meanwhile (a takeover after the settle window): what this call made is the resource.
  await ledger.set(key, created);
  return id;
}
