import type { KeyValueStore } from '../../../lib/store/index.js';
import type { Json } from '../engine/types.js';
import type { ExternalSystem, ReferenceLinks } from '../flows/deps.js';

/**
 * Which journey a legacy system's own reference belongs to, and what that system has told us about it on its own
 * (pushed reports, webhooks). The references the flows hand out are derived one way from the journey id (a payout's
 * EndToEndId is a digest of it; a KYC check id is the vendor's), so a step links its reference here before the
 * legacy system can send anything about it; the inbound routes look it up and record what arrived.
 *
 * One JSON record per reference at `inbound:<system>:<reference>`: `{ journeyId, events }`, every change a
 * compare-and-set (any number of journeys processes share it through Redis). Events are kept in arrival order,
 * one per event id (a report's MsgId, a webhook's own id), so a delivery repeated by the sender's retries is seen as
 * the duplicate it is. Kept like journey records (no TTL): evidence of what a legacy system said.
 */

/** At most this many events per reference: a payout gets a handful of reports; a runaway sender does not grow a record. */
export const MAX_EVENTS = 50;
const MAX_CAS_ROUNDS = 20;

/** What arrived, as recorded. `id` identifies the event at its sender (a report's MsgId). */
export interface ExternalEvent {
  readonly id: string;
  /** ISO 8601 date-time of its arrival here. */
  readonly receivedAt: string;
  readonly [field: string]: Json;
}

/** An event as it arrives: its id at the sender, and what it says (never the raw message: names, IBANs). */
export interface NewEvent {
  readonly id: string;
  readonly [field: string]: Json;
}

interface Linked {
  readonly journeyId: string;
  readonly events: readonly ExternalEvent[];
}

export type RecordOutcome =
  | { readonly kind: 'recorded'; readonly journeyId: string }
  /** The same event id arrived before: nothing changes. */
  | { readonly kind: 'duplicate'; readonly journeyId: string }
  /** No journey linked this reference: not one of ours, or from before references were linked. */
  | { readonly kind: 'unknown' };

const keyOf = (system: ExternalSystem, reference: string) => `inbound:${system}:${reference}`;

export class ExternalReferences implements ReferenceLinks {
  constructor(private readonly kv: KeyValueStore) {}

  /** Links `reference` to the journey; a reference linked before keeps its first journey (and its events). */
  async link(system: ExternalSystem, reference: string, journeyId: string): Promise<void> {
    const linked: Linked = { journeyId, events: [] };
    await this.kv.setIfAbsent(keyOf(system, reference), JSON.stringify(linked));
  }

  async journeyOf(system: ExternalSystem, reference: string): Promise<string | null> {
    return (await this.read(system, reference))?.linked.journeyId ?? null;
  }

  /** What the system has told us about the reference, in arrival order (none when it is not linked). */
  async events(system: ExternalSystem, reference: string): Promise<readonly ExternalEvent[]> {
    return (await this.read(system, reference))?.linked.events ?? [];
  }

  /** Records the event once per id, for the reference's journey. */
  async record(system: ExternalSystem, reference: string, event: NewEvent): Promise<RecordOutcome> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const current = await this.read(system, reference);
      if (!current) return { kind: 'unknown' };
      const { raw, linked } = current;
      if (linked.events.some((e) => e.id === event.id)) return { kind: 'duplicate', journeyId: linked.journeyId };
      const arrived: ExternalEvent = { ...event, id: event.id, receivedAt: new Date().toISOString() };
      const events = [...linked.events, arrived].slice(-MAX_EVENTS);
      const next: Linked = { journeyId: linked.journeyId, events };
      if (await this.kv.compareAndSet(keyOf(system, reference), raw, JSON.stringify(next))) return { kind: 'recorded', journeyId: linked.journeyId };
    }
    throw new Error(`${system} reference ${reference}: ${MAX_CAS_ROUNDS} compare-and-set rounds lost in a row`);
  }

  private async read(system: ExternalSystem, reference: string): Promise<{ raw: string; linked: Linked } | null> {
    const raw = await this.kv.get(keyOf(system, reference));
    return raw === null ? null : { raw, linked: JSON.parse(raw) as Linked };
  }
}
