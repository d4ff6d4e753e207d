import DataLoader from 'dataloader';
import type { KycProviderConnector } from '../../connectors/kyc-provider/index.js';
import type { RiskScoringConnector } from '../../connectors/risk-scoring/index.js';
import type { KycProfile, RiskAssessment } from '../../lib/domain.js';

/**
 * Per-request DataLoaders (never shared between requests): the KYC provider's batch applicant lookup, and the bank's
 * risk-scoring system's batch read of latest scores. Two systems, two loaders: one failing costs only its fields.
 */
export interface KycLoaders {
  readonly profile: DataLoader<string, KycProfile | null>;
  /** The customer's latest risk score, by customer id; null when never scored. */
  readonly risk: DataLoader<string, RiskAssessment | null>;
}

export function createKycLoaders(kyc: KycProviderConnector, riskScoring: RiskScoringConnector): KycLoaders {
  return {
    profile: new DataLoader((customerIds) => kyc.getProfiles(customerIds)),
    risk: new DataLoader((customerIds) => riskScoring.latestScores(customerIds)),
  };
}
