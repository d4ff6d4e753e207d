import DataLoader from 'dataloader';
import type { FxWalletConnector } from '../../connectors/fx-wallet/index.js';
import type { Wallet } from '../../lib/domain.js';

/** Per-request DataLoaders over the FX wallet's batch wallet lookup (never shared between requests). */
export interface WalletLoaders {
  readonly wallet: DataLoader<string, Wallet | null>;
}

export function createWalletLoaders(fxWallet: FxWalletConnector): WalletLoaders {
  return { wallet: new DataLoader((customerIds) => fxWallet.getWallets(customerIds)) };
}
