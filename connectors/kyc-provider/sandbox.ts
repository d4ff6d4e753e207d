import { applicantKey, recordedId, type Ledger } from './ledger.js';

/**
 * The sandbox customers' Onfido applicants (legacy/SANDBOX.md, legacy/kyc-provider/data.ts): Onfido keeps no
 * reference of ours, so bankgraph's own mapping must hold them. Customer N (cust-00NN) is applicant
 * a0000000-0000-4000-8000-00000000NNNN; cust-0009 has none.
 */
export const SANDBOX_CUSTOMER_COUNT = 24;

export function sandboxApplicantId(n: number): string {
  return `a0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

export const SANDBOX_APPLICANTS: ReadonlyMap<string, string> = new Map(
  Array.from({ length: SANDBOX_CUSTOMER_COUNT }, (_, i) => i + 1)
    .filter((n) => n !== 9)
    .map((n) => [`cust-${String(n).padStart(4, '0')}`, sandboxApplicantId(n)] as const),
);

/**
 * Bankgraph's customer -> Onfido applicant mapping: what the onboarding recorded (the ledger, ledger.ts), and with
 * `sandbox` (the connector pointed at the simulator: the sandbox API token) the sandbox customers' applicants
 * beneath it. The sandbox's are a fixed table rather than rows written at start, so that every process (and an
 * empty Redis) agrees on them without a seeding step that could run twice or not at all.
 */
export class KycApplicantDirectory {
  constructor(
    readonly ledger: Ledger,
    private readonly sandbox: boolean,
  ) {}

  async applicantIdOf(customerId: string): Promise<string | null> {
    const recorded = await recordedId(this.ledger, applicantKey(customerId));
    return recorded ?? (this.sandbox ? (SANDBOX_APPLICANTS.get(customerId) ?? null) : null);
  }
}
