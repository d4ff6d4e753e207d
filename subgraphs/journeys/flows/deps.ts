import type { CardProcessorConnector } from '../../../connectors/card-processor/index.js';
import type { CoreBankingConnector } from '../../../connectors/core-banking/index.js';
import type { FxWalletConnector } from '../../../connectors/fx-wallet/index.js';
import type { KycProviderConnector } from '../../../connectors/kyc-provider/index.js';
import type { KycApplicantDirectory } from '../../../connectors/kyc-provider/sandbox.js';
import type { NotifierConnector } from '../../../connectors/notifier/index.js';
import type { PaymentRail } from '../../../connectors/payment-rail/index.js';

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
  /** Payment rails in order of preference; routing picks the first that can carry a payment. */
  readonly rails: readonly PaymentRail[];
  /** The bank's own FX wallet that cross-currency payments are converted through. */
  readonly treasuryWalletId: string;
  /** The bank as debtor on payouts. */
  readonly bank: { readonly name: string; readonly bic: string; readonly iban: string };
  /** How far a re-quote may move against the bank before an expired quote is refused, in basis points. @default 50 */
  readonly requoteToleranceBp?: number;
}
