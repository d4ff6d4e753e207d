/**
 * The news of a journey's change, as the journeys engine publishes it on every write of a journey record (in the same
 * atomic step as the write: lib/store WriteOptions.publish) and as the gateway's subscriptions hear it
 * (gateway/subscriptions/). Ids and status only, never input: what changed is read back through `journey(id)`,
 * with the reader's own access rules.
 *
 *   journey-events:<journeyId>                   every write of that journey
 *   journey-customer-events:<customerId>         every write of a journey that concerns that customer
 */

export const journeyEventsChannel = (journeyId: string): string => `journey-events:${journeyId}`;
export const customerJourneyEventsChannel = (customerId: string): string => `journey-customer-events:${customerId}`;

export interface JourneyEvent {
  readonly id: string;
  /** The record's version after the write (versions only grow: a listener may drop an older one it hears late). */
  readonly version: number;
  readonly status: string;
  readonly customerId: string | null;
  /** ISO 8601 date-time of the write. */
  readonly updatedAt: string;
}

export function encodeJourneyEvent(event: JourneyEvent): string {
  return JSON.stringify(event);
}

/** The event in a message, or null for a message that is not one (an older engine published the bare version). */
export function decodeJourneyEvent(message: string): JourneyEvent | null {
  try {
    const value = JSON.parse(message) as Partial<JourneyEvent> | null;
    if (!value || typeof value !== 'object' || typeof value.id !== 'string' || typeof value.version !== 'number') return null;
    return {
      id: value.id,
      version: value.version,
      status: typeof value.status === 'string' ? value.status : '',
      customerId: typeof value.customerId === 'string' ? value.customerId : null,
      updatedAt: typeof value.updatedAt === 'string' ? value.updatedAt : '',
    };
  } catch {
    return null;
  }
}
