import type { PrincipalContext } from '../../lib/permissions.js';
import type { KycLoaders } from './loaders.js';

/** Per-request context of the KYC subgraph. */
export interface KycContext extends PrincipalContext {
  readonly loaders: KycLoaders;
}
