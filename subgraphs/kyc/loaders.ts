import DataLoader from 'dataloader';
import type { KycProviderConnector } from '../../connectors/kyc-provider/index.js';
import type { KycProfile } from '../../lib/domain.js';

/** Per-request DataLoaders over the KYC provider's batch applicant lookup (never shared between requests). */
export interface KycLoaders {
  readonly profile: DataLoader<string, KycProfile | null>;
}

export function createKycLoaders(kyc: KycProviderConnector): KycLoaders {
  return { profile: new DataLoader((customerIds) => kyc.getProfiles(customerIds)) };
}
