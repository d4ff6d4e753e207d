import type { FxWalletConnector } from '../../connectors/fx-wallet/index.js';
import type { PrincipalContext } from '../../lib/permissions.js';
import type { WalletLoaders } from './loaders.js';

/** Per-request context of the wallet subgraph. */
export interface WalletContext extends PrincipalContext {
  readonly loaders: WalletLoaders;
  /** For writes (quotes) and the shared, TTL-cached reference rates. */
  readonly fxWallet: FxWalletConnector;
}
