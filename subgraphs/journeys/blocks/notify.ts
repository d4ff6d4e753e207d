import type { NotifierConnector } from '../../../connectors/notifier/index.js';
import type { CoreBankingConnector } from '../../../connectors/core-banking/index.js';
import type { Json, RetryPolicy, StepContext, StepDefinition } from '../engine/types.js';

/**
 * Building block: tell the customer, as a follow-up (a background step: retried in the queue, never changing the
 * journey's money status). The message goes through the notifier under the step's reference, so a retried send is
 * one message. Its recipient is an address the flow already has, or the customer's email as core banking holds it
 * (no email on file: nothing is sent, and the step says so).
 */

/** Follow-ups are patient: a notifier outage of a few minutes still gets the message out. */
export const NOTIFY_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 5000 };

export interface NotifyOptions<I extends Json> {
  /** The step's name in the flow (part of its reference). */
  readonly name: string;
  /** The notifier's template. */
  readonly template: string;
  /** Where to: an email address from the journey, or `{ customerOf }` to look the customer's email up in core banking. */
  readonly to: ((ctx: StepContext<I>) => string) | { readonly customerOf: (ctx: StepContext<I>) => string };
  /** The template's parameters, from the journey's input and earlier steps. @default {} */
  readonly params?: (ctx: StepContext<I>) => Record<string, string>;
}

export interface NotifyDeps {
  readonly notifier: NotifierConnector;
  readonly coreBanking: CoreBankingConnector;
}

/** A notification follow-up: `{ sent, messageId }` (sent false when the customer has no email on file). */
export function notify<I extends Json>(deps: NotifyDeps, options: NotifyOptions<I>): StepDefinition<I> {
  const { to } = options;
  return {
    name: options.name,
    mode: 'background',
    retry: NOTIFY_RETRY,
    async run(ctx) {
      let address: string | null;
      if (typeof to === 'function') address = to(ctx);
      else {
        const [profile] = await deps.coreBanking.getCustomers([to.customerOf(ctx)]);
        address = profile?.email ?? null;
      }
      if (!address) return { sent: false, messageId: null };
      const { messageId } = await deps.notifier.send({ channel: 'email', to: address, template: options.template, params: options.params?.(ctx) ?? {}, reference: ctx.reference });
      return { sent: true, messageId };
    },
  };
}
