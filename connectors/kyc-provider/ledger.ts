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
 * tagged with the reference) and only when it has nothing is the call made again. The one case this cannot settle
 * is a person onboarded twice at the same moment with the same details (two journeys, two intents, one look-up
 * finding both); the newest match is taken then.
 *
 * The customer -> applicant mapping is this record (`applicantKey`): the KYC subgraph reads it through federation
 * (the journeys subgraph resolves `Customer.kycApplicantId`).
 */

export type Ledger = Pick<KeyValueStore, 'get' | 'set' | 'setIfAbsent'>;

type Entry =
  | { readonly state: 'creating'; readonly reference: string; readonly since: number }
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

export interface OnceSteps {
  /** Makes the resource; its id. */
  create(): Promise<string>;
  /** The resource an earlier `create` under this key made since `since` (epoch ms, our clock), if any. */
  find(since: number): Promise<string | null>;
}

/** The id of the resource `key` stands for, created at most once (see the header comment). */
export async function createOnce(ledger: Ledger, key: string, reference: string, steps: OnceSteps, clock: () => number = Date.now): Promise<string> {
  let entry = parse(await ledger.get(key));
  if (entry === null) {
    const intent: Entry = { state: 'creating', reference, since: clock() };
    if (!(await ledger.setIfAbsent(key, JSON.stringify(intent)))) entry = parse(await ledger.get(key));
  }
  if (entry?.state === 'created') return entry.id;
  if (entry?.state === 'creating') {
    const found = await steps.find(entry.since);
    if (found !== null) {
      await ledger.set(key, JSON.stringify({ state: 'created', id: found, reference } satisfies Entry));
      return found;
    }
  }
  const id = await steps.create();
  await ledger.set(key, JSON.stringify({ state: 'created', id, reference } satisfies Entry));
  return id;
}
