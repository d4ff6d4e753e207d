import DataLoader from 'dataloader';
import type { KycProviderConnector } from '../../connectors/kyc-provider/index.js';
import type { RiskScoringConnector } from '../../connectors/risk-scoring/index.js';
import type { KycProfile, RiskAssessment } from '../../lib/domain.js';

/** A customer as the KYC subgraph sees it: with the applicant id the gateway fetched from the journeys subgraph. */
export interface KycCustomer {
  readonly id: string;
  readonly kycApplicantId?: string | null;
}

export interface ProfileKey {
  readonly customerId: string;
  /** Bankgraph's mapping (Customer.kycApplicantId from the journeys subgraph): Onfido has no lookup by customer. */
  readonly applicantId: string | null;
}

/**
 * Per-request DataLoaders (never shared between requests). Onfido has no batch read: the loader gathers a request's
 * customers so that each applicant is read once, in parallel (KycProviderConnector.getProfiles). The bank's
 * risk-scoring system has one (its latest scores): two systems, two loaders, one failing costs only its fields.
 */
export interface KycLoaders {
  readonly profile: DataLoader<ProfileKey, KycProfile | null, string>;
  /** The customer's latest risk score, by customer id; null when never scored. */
  readonly risk: DataLoader<string, RiskAssessment | null>;
}

export function createKycLoaders(kyc: KycProviderConnector, riskScoring: RiskScoringConnector): KycLoaders {
  return {
    profile: new DataLoader((keys: readonly ProfileKey[]) => kyc.getProfiles(keys), { cacheKeyFn: (k) => `${k.customerId}\n${k.applicantId ?? ''}` }),
    risk: new DataLoader((customerIds) => riskScoring.latestScores(customerIds)),
  };
}
