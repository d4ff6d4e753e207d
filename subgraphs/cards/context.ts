import type { PrincipalContext } from '../../lib/permissions.js';
import type { CardsLoaders } from './loaders.js';

/** Per-request context of the cards subgraph. */
export interface CardsContext extends PrincipalContext {
  readonly loaders: CardsLoaders;
}
