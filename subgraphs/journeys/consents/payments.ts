import { BankError, ErrorCode, badUserInput } from '../../../lib/errors.js';
import { moneyFromClientAmount, toDecimalString } from '../../../lib/money.js';
import { describePrincipal, type ConsentPayment } from '../../../lib/principal.js';
import type { JourneysContext } from '../context.js';
import { journeyIdOf } from '../engine/ids.js';

/**
 * Payments under a consent (issue 13): a partner whose token is bound to a payment consent names it in the input
 * (`consentId`, OB's ConsentId), pays exactly what the customer authorised, and spends the consent: Authorised →
 * Consumed (consumedBy = the journey's id) by compare-and-set in the journeys' own store, before the journey starts
 * and so before its first legacy call. The journey's id is a function of the partner, the customer and the
 * idempotency key (engine/ids.ts), so a replay with the same key finds the consent spent on its own journey and goes
 * on to the same journey; another key finds it spent on another (CONSENT_CONSUMED).
 */

export interface PaymentUnderConsent {
  readonly sourceAccountId: string;
  readonly amount: { readonly amount: string; readonly currency: string };
  readonly beneficiary: { readonly name: string; readonly iban: string };
  readonly remittance?: string | null;
  readonly consentId?: string | null;
}

/** Checks the payment against the principal's consent and spends a payment consent; a no-op for everyone else. */
export async function spendPaymentConsent(ctx: JourneysContext, input: PaymentUnderConsent, idempotencyKey: string): Promise<void> {
  const p = ctx.principal;
  const named = input.consentId ?? null;
  if (p.kind !== 'partner') {
    if (named !== null) throw badUserInput('consentId', 'consentId is for partners paying under a consent; leave it out.');
    return;
  }
  const consent = p.consent;
  // What the gateway resolved the token to: a payment consent must be named, and named right.
  if (consent === null) return; // the permission rule has refused already: no live consent
  if (named !== null && named !== consent.id) {
    throw new BankError(ErrorCode.CONSENT_TOKEN_MISMATCH, 'The token is bound to another consent than consentId names.');
  }
  if (consent.kind !== 'payment') return; // an account-access consent with payments:initiate: as before issue 13
  if (named === null) throw new BankError(ErrorCode.CONSENT_TOKEN_MISMATCH, 'This token is bound to a payment consent: name it in consentId.');

  // The registry, not the principal's copy, decides: the consent as it stands now.
  const record = await ctx.consents.get(consent.id);
  if (!record || record.partner !== p.clientId || record.kind !== 'payment' || record.payment === null) {
    throw new BankError(ErrorCode.CONSENT_NOT_FOUND, 'There is no such payment consent of yours.');
  }
  const journeyId = journeyIdOf(p, idempotencyKey);
  if (record.status === 'Consumed' && record.consumedBy !== journeyId) {
    throw new BankError(ErrorCode.CONSENT_CONSUMED, 'This payment consent was used for another payment already.');
  }
  if (record.status !== 'Authorised' && record.status !== 'Consumed') {
    const code = record.status === 'Revoked' ? ErrorCode.CONSENT_REVOKED : record.status === 'Expired' ? ErrorCode.CONSENT_EXPIRED : ErrorCode.CONSENT_NOT_AUTHORISED;
    throw new BankError(code, `The payment consent is ${record.status}.`);
  }
  const differences = paymentDifferences(record.payment, input);
  if (record.accountIds.length > 0 && !record.accountIds.includes(input.sourceAccountId)) differences.push('sourceAccountId');
  if (differences.length > 0) {
    throw new BankError(ErrorCode.CONSENT_PAYMENT_MISMATCH, `The payment differs from the one the customer authorised: ${differences.join(', ')}.`, {
      extensions: { fields: differences },
    });
  }
  await ctx.consents.consume(record.id, journeyId, describePrincipal(p));
}

/** The input fields that differ from the consented payment (amount and currency compared as exact money). */
function paymentDifferences(consented: ConsentPayment, input: PaymentUnderConsent): string[] {
  const differences: string[] = [];
  if (input.amount.currency !== consented.currency) differences.push('amount.currency');
  else if (normalisedAmount(input.amount.amount, consented.currency) !== consented.amount) differences.push('amount.amount');
  const iban = input.beneficiary.iban.replace(/\s+/g, '').toUpperCase();
  if (iban !== consented.creditorAccount.toUpperCase()) differences.push('beneficiary.iban');
  if (input.beneficiary.name.trim() !== consented.creditorName) differences.push('beneficiary.name');
  // The reference the customer was shown on the approval page is part of what they authorised.
  if ((input.remittance?.trim() || null) !== (consented.reference ?? null)) differences.push('remittance');
  if (consented.sourceAccountId !== null && input.sourceAccountId !== consented.sourceAccountId) differences.push('sourceAccountId');
  return differences;
}

function normalisedAmount(amount: string, currency: string): string | null {
  try {
    return toDecimalString(moneyFromClientAmount(amount, currency));
  } catch {
    return null;
  }
}
