import type { CardProcessorConnector } from '../../../connectors/card-processor/index.js';
import type { CoreBankingConnector } from '../../../connectors/core-banking/index.js';
import type { FxWalletConnector } from '../../../connectors/fx-wallet/index.js';
import type { KycProviderConnector } from '../../../connectors/kyc-provider/index.js';
import type { KycApplicantDirectory } from '../../../connectors/kyc-provider/sandbox.js';
import type { NotifierConnector } from '../../../connectors/notifier/index.js';
import type { PaymentRail } from '../../../connectors/payment-rail/index.js';
import type { RiskScoringConnector } from '../../../connectors/risk-scoring/index.js';

/** Legacy systems that send the journeys news on their own (inbound/): a rail's reports, a KYC vendor's webhooks. */
export type ExternalSystem = 'payment-rail' | 'kyc-provider';

/**
 * Where a step links the reference it hands a legacy system (a payout's EndToEndId, a KYC check id) to its journey,
 * before the system can send anything about it: an inbound report then finds the journey to wake (inbound/references.ts).
 * Idempotent: linking again is a no-op.
 */
export interface ReferenceLinks {
  link(system: ExternalSystem, reference: string, journeyId: string): Promise<void>;
}

/** What the flows talk to. Built once per process (connectors/factory.ts) and shared by every journey. */
export interface JourneyDeps {
  readonly coreBanking: CoreBankingConnector;
  readonly cardProcessor: CardProcessorConnector;
  readonly kycProvider: KycProviderConnector;
  /**
   * The customer -> Onfido applicant mapping and the KYC ledger (connectors/kyc-provider/ledger.ts) in the journeys'
   * store: Onfido has no idempotency and no reference of ours, so what was created is recorded here.
   */
  readonly kycApplicants: KycApplicantDirectory;
  readonly fxWallet: FxWalletConnector;
  readonly notifier: NotifierConnector;
  /** The bank's own risk scoring: whether a new customer is within the bank's appetite. */
  readonly riskScoring: RiskScoringConnector;
  /** Payment rails in order of preference; routing picks the first that can carry a payment. */
  readonly rails: readonly PaymentRail[];
  /** The bank's own FX wallet that cross-currency payments are converted through. */
  readonly treasuryWalletId: string;
  /** The bank as debtor on payouts. */
  readonly bank: { readonly name: string; readonly bic: string; readonly iban: string };
  /** How far a re-quote may move against the bank before an expired quote is refused, in basis points. @default 50 */
  readonly requoteToleranceBp?: number;
  /** Links legacy references to journeys, for what those systems push (inbound/). */
  readonly references: ReferenceLinks;
  /**
   * The first wait before asking the rail again about a payout on its way (then doubled per check, up to 3 minutes).
   * With the rail's reports pushed, this is the fallback's pace: a report wakes the check at once. @default 250
   */
  readonly settlementFirstCheckMs?: number;
  /** The first wait before the KYC checks are read again (doubled per read, up to 3 minutes); a webhook wakes it. @default 150 */
  readonly kycFirstCheckMs?: number;
}
