import { expect } from 'vitest';
import type { Stack } from '../support/stack.js';
import { isTerminal, type JourneyRecord } from '../../subgraphs/journeys/engine/types.js';
import { eventually } from '../support/eventually.js';

export { eventually };

/** The journey once it is terminal and none of its steps is still queued or running (background ones included). */
export function settled(stack: Stack, id: string, timeoutMs = 20_000): Promise<JourneyRecord> {
  return eventually(
    `journey ${id} to settle`,
    async () => {
      const r = await stack.journeys.engine.get(id);
      if (!r || !isTerminal(r.status)) return undefined;
      return r.steps.some((s) => ['QUEUED', 'RUNNING', 'PENDING', 'COMPENSATING'].includes(s.status) && !(r.status !== 'COMPLETED' && s.status === 'PENDING'))
        ? undefined
        : r;
    },
    timeoutMs,
  );
}

export function stepStatuses(r: { steps: readonly { name: string; status: string }[] }): Record<string, string> {
  return Object.fromEntries(r.steps.map((s) => [s.name, s.status]));
}

/** Valid IBANs the sandbox rails settle normally, and the ones they reject. */
export const IBAN = {
  DE: 'DE75512108001245126199',
  GB: 'GB82WEST12345698765432',
  AE: 'AE070331234567890123456',
  rejectedAC01: 'DE89370400440532013000',
} as const;

export interface PaymentArgs {
  sourceAccountId?: string;
  amount?: string;
  currency?: string;
  iban?: string;
  country?: string;
  bic?: string;
  name?: string;
}

export function paymentInput(a: PaymentArgs = {}) {
  return {
    sourceAccountId: a.sourceAccountId ?? 'acc-5001',
    amount: { amount: a.amount ?? '25.00', currency: a.currency ?? 'EUR' },
    beneficiary: { name: a.name ?? 'Jane Beneficiary', iban: a.iban ?? IBAN.DE, bic: a.bic ?? 'DEUTDEFF', country: a.country ?? 'DE' },
    remittance: 'invoice 42',
  };
}

/** Legacy books: what really happened, from the simulators themselves. */
export async function railBook(stack: Stack, rail: 'instant' | 'correspondent'): Promise<{ EndToEndId: string; Ccy: string; value: string; TxSts: string }[]> {
  const res = await fetch(`${stack.simulators['payment-rail'].running.url}/__sandbox/${rail}/payments`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { payments: { EndToEndId: string; Ccy: string; value: string; TxSts: string }[] }).payments;
}
