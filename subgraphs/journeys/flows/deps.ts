import type { CardProcessorConnector } from '../../../connectors/card-processor/index.js';
import type { CoreBankingConnector } from '../../../connectors/core-banking/index.js';
import type { FxWalletConnector } from '../../../connectors/fx-wallet/index.js';
import type { KycProviderConnector } from '../../../connectors/kyc-provider/index.js';
import type { NotifierConnector } from '../../../connectors/notifier/index.js';
import type { PaymentRail } from '../../../connectors/payment-rail/index.js';
import type { RiskScoringConnector } from '../../../connectors/risk-scoring/index.js';

/** What the flows talk to. Built once per process (connectors/factory.ts) and shared by every journey. */
export interface JourneyDeps {
  readonly coreBanking: CoreBankingConnector;
  readonly cardProcessor: CardProcessorConnector;
  readonly kycProvider: KycProviderConnector;
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
}
