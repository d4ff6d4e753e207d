import { notify } from '../blocks/notify.js';
import { BankError, ErrorCode } from '../../../lib/errors.js';
import type { FlowDefinition, Json } from '../engine/types.js';
import type { JourneyDeps } from './deps.js';
import { cardProduct, customerPrincipal, record, text } from './inputs.js';

/**
 * Card journeys: issueCard (issue, then tell the customer in the background), freezeCard and unfreezeCard. State
 * changes are made only from the state that needs them, so a re-run after a lost answer is harmless.
 */
export type IssueCardInput = { customerId: string; product: string };
export type CardStatusInput = { customerId: string; cardId: string };

export const ISSUE_CARD = 'ISSUE_CARD';
export const FREEZE_CARD = 'FREEZE_CARD';
export const UNFREEZE_CARD = 'UNFREEZE_CARD';

export function issueCardFlow(deps: JourneyDeps): FlowDefinition<IssueCardInput> {
  return {
    type: ISSUE_CARD,
    validate(raw, principal): IssueCardInput {
      const customerId = customerPrincipal(principal);
      return { customerId, product: cardProduct('product', record(raw).product, deps.cardProcessor.productCodes) };
    },
    customerOf: (input) => input.customerId,
    steps: [
      {
        name: 'issueCard',
        async run(ctx) {
          const card = await deps.cardProcessor.issueCard({ customerId: ctx.input.customerId, product: ctx.input.product, reference: ctx.reference });
          return { cardId: card.id };
        },
        async recover(ctx) {
          const found = await deps.cardProcessor.findRequest(ctx.reference);
          return found ? { cardId: found.cardId } : null;
        },
        async compensate(ctx, output) {
          await deps.cardProcessor.setCardStatus((output as { cardId: string }).cardId, 'CLOSED', ctx.reference);
        },
      },
      notify(deps, { name: 'notifyCustomer', template: 'card-issued', to: { customerOf: (ctx) => ctx.input.customerId } }),
    ],
    result: (rec): Json => ({ cardId: (rec.state.issueCard as { cardId?: string } | undefined)?.cardId ?? null }),
  };
}

function cardStatusFlow(deps: JourneyDeps, type: string, target: 'FROZEN' | 'ACTIVE'): FlowDefinition<CardStatusInput> {
  const stepName = target === 'FROZEN' ? 'freezeCard' : 'unfreezeCard';
  return {
    type,
    validate(raw, principal): CardStatusInput {
      return { customerId: customerPrincipal(principal), cardId: text('cardId', record(raw).cardId, 64) };
    },
    customerOf: (input) => input.customerId,
    steps: [
      {
        name: stepName,
        async run(ctx) {
          const [card] = await deps.cardProcessor.getCards([ctx.input.cardId]);
          // The resolver checked ownership before starting; check again here, where it matters.
          if (!card || card.customerId !== ctx.input.customerId) throw new BankError(ErrorCode.FORBIDDEN, 'You are not allowed to change this card.');
          if (card.status !== target) await deps.cardProcessor.setCardStatus(card.id, target, ctx.reference);
          return { cardId: card.id, status: target };
        },
      },
    ],
    result: (rec): Json => ({ cardId: (rec.input as CardStatusInput).cardId }),
  };
}

export const freezeCardFlow = (deps: JourneyDeps) => cardStatusFlow(deps, FREEZE_CARD, 'FROZEN');
export const unfreezeCardFlow = (deps: JourneyDeps) => cardStatusFlow(deps, UNFREEZE_CARD, 'ACTIVE');
