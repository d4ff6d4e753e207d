import type { PrincipalContext } from '../../lib/permissions.js';
import type { AccountsLoaders } from './loaders.js';

/** Per-request context of the accounts subgraph. */
export interface AccountsContext extends PrincipalContext {
  readonly loaders: AccountsLoaders;
}
