import type { ConsentStore, PartnerRegistry } from '../../lib/consents.js';
import type { PrincipalContext } from '../../lib/permissions.js';
import type { JourneyEngine } from './engine/types.js';
import type { JourneyActions } from './operations/actions.js';
import type { Flows, JourneyDeps } from './flows/index.js';

/** Per-request context of the journeys subgraph. The engine and connectors are shared; nothing else is kept. */
export interface JourneysContext extends PrincipalContext {
  readonly engine: JourneyEngine;
  readonly flows: Flows;
  /** For the reads done before a journey starts (the source account is the customer's, in which currency). */
  readonly deps: JourneyDeps;
  /** The consent registry (lib/consents.ts) in the journeys' store. */
  readonly consents: ConsentStore;
  readonly partners: PartnerRegistry;
  /** How long a mutation waits for the critical steps before answering with the journey RUNNING. */
  readonly waitMs: number;
  /** Four-eyes actions on parked journeys (operations/actions.ts). */
  readonly actions: JourneyActions;
}
