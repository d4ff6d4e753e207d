import type { FlowDefinition, Json } from '../engine/types.js';
import { freezeCardFlow, issueCardFlow, unfreezeCardFlow } from './cards.js';
import { convertCurrencyFlow } from './convert-currency.js';
import type { JourneyDeps } from './deps.js';
import { onboardCustomerFlow } from './onboard-customer.js';
import { sendInternationalPaymentFlow } from './send-international-payment.js';

export type { JourneyDeps } from './deps.js';

/** Every journey the bank offers. A new journey is a new flow file and one line here. */
export function createFlows(deps: JourneyDeps) {
  return {
    onboardCustomer: onboardCustomerFlow(deps),
    sendInternationalPayment: sendInternationalPaymentFlow(deps),
    convertCurrency: convertCurrencyFlow(deps),
    issueCard: issueCardFlow(deps),
    freezeCard: freezeCardFlow(deps),
    unfreezeCard: unfreezeCardFlow(deps),
  } satisfies Record<string, FlowDefinition<Json>>;
}

export type Flows = ReturnType<typeof createFlows>;
