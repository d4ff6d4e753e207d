import { createHash } from 'node:crypto';

/**
 * The KYC provider's sandbox data, built deterministically from legacy/SANDBOX.md: customer N (cust-00NN) is the
 * applicant app_00NN (external_id cust-00NN) with one check chk_00NN, complete and clear, risk (N * 7) % 40, except:
 *   cust-0001  Amelia Hartmann, born 1988-04-12, check completed 2025-06-01T10:00:00Z, clear, risk 12 (low)
 *   cust-0007  check result consider, risk 72 (high)
 *   cust-0008  check still in progress (never completes), no risk score
 *   cust-0009  no applicant at all
 *
 * Sandbox triggers for applicants created through the API (checks complete `checkDurationMs` after they start):
 *   last_name "Consider" (any case)  or  an email containing "+consider"  -> check result `consider`
 *   last_name "Risky" (any case)                                          -> risk score 85 (high)
 *   anyone else                                                           -> result `clear`, risk score 5..35 from a
 *                                                                            hash of first name, last name and dob
 */

export const CUSTOMER_COUNT = 24;

export type CheckResult = 'clear' | 'consider';
export type RiskBand = 'low' | 'medium' | 'high';

export interface ApplicantRecord {
  readonly id: string;
  readonly externalId: string | null;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string | null;
  /** YYYY-MM-DD. */
  readonly dob: string | null;
  readonly createdAt: Date;
  /** Seeded applicants carry their risk score; API-created ones have it computed by riskScoreOf. */
  readonly seedRisk?: number;
}

export interface CheckRecord {
  readonly id: string;
  readonly applicantId: string;
  readonly reportNames: readonly string[];
  readonly createdAt: Date;
  /** When the check is (or will be) complete; null = stays in progress forever (cust-0008). */
  readonly completesAt: Date | null;
  /** The result it has once complete. */
  readonly result: CheckResult;
}

export const REPORT_NAMES = ['document', 'facial_similarity', 'watchlist'] as const;

/**
 * The same made-up people as the core-banking simulator (legacy/core-banking/data.ts, copied: simulators do not
 * import each other), so that one customer id means one person everywhere: names, date of birth, email and
 * "client since" (our applicant's created_at) follow the same rules.
 */
const NAMES: readonly (readonly [string, string])[] = [
  ['Amelia', 'Hartmann'], ['Jonas', 'Becker'], ['Sofia', 'Rossi'], ['Liam', 'Murphy'],
  ['Chloe', 'Dubois'], ['Mateo', 'Garcia'], ['Freya', 'Lindqvist'], ['Noah', 'Jansen'],
  ['Elena', 'Popescu'], ['Lukas', 'Novak'], ['Isla', 'Macleod'], ['Hugo', 'Lefevre'],
  ['Maja', 'Kowalska'], ['Oscar', 'Nilsson'], ['Clara', 'Weber'], ['Leon', 'Fischer'],
  ['Nora', 'Haugen'], ['Theo', 'Martin'], ['Alba', 'Fernandez'], ['Finn', 'Schmidt'],
  ['Zoe', 'Papadopoulos'], ['Emil', 'Horvath'], ['Lina', 'Costa'], ['Arthur', 'Peeters'],
];

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

export function bandOf(score: number): RiskBand {
  if (score < 30) return 'low';
  if (score < 60) return 'medium';
  return 'high';
}

/** The sandbox rule for a check's result (see the header comment). */
export function resultFor(lastName: string, email: string | null): CheckResult {
  if (lastName.trim().toLowerCase() === 'consider') return 'consider';
  if (email !== null && email.toLowerCase().includes('+consider')) return 'consider';
  return 'clear';
}

/** The sandbox rule for a risk score (see the header comment). */
export function riskScoreOf(a: ApplicantRecord): number {
  if (a.seedRisk !== undefined) return a.seedRisk;
  if (a.lastName.trim().toLowerCase() === 'risky') return 85;
  const digest = createHash('sha256')
    .update(`${a.firstName.trim().toLowerCase()}|${a.lastName.trim().toLowerCase()}|${a.dob ?? ''}`)
    .digest();
  return 5 + (digest.readUInt32BE(0) % 31);
}

export function isComplete(check: CheckRecord, now: Date): boolean {
  return check.completesAt !== null && now.getTime() >= check.completesAt.getTime();
}

/** Applicants, checks and the idempotency memory of one simulator instance. */
export class KycState {
  readonly applicants = new Map<string, ApplicantRecord>();
  readonly checks = new Map<string, CheckRecord>();
  private readonly byExternalId = new Map<string, ApplicantRecord>();
  private readonly checksByApplicant = new Map<string, CheckRecord[]>();
  private applicantSeq = 0;
  private checkSeq = 0;
  private screeningSeq = 0;

  nextApplicantId(): string {
    return `app_${pad4(++this.applicantSeq)}`;
  }

  nextCheckId(): string {
    return `chk_${pad4(++this.checkSeq)}`;
  }

  nextScreeningId(): string {
    return `scr_${pad4(++this.screeningSeq)}`;
  }

  addApplicant(a: ApplicantRecord): void {
    this.applicants.set(a.id, a);
    // The newest applicant for an external id wins (the provider allows duplicates, like Onfido).
    if (a.externalId !== null) this.byExternalId.set(a.externalId, a);
  }

  addCheck(c: CheckRecord): void {
    this.checks.set(c.id, c);
    const list = this.checksByApplicant.get(c.applicantId) ?? [];
    list.push(c);
    this.checksByApplicant.set(c.applicantId, list);
  }

  applicantByExternalId(externalId: string): ApplicantRecord | undefined {
    return this.byExternalId.get(externalId);
  }

  /** The most recently started check. */
  latestCheck(applicantId: string): CheckRecord | undefined {
    return this.checksByApplicant.get(applicantId)?.at(-1);
  }

  hasCompletedCheck(applicantId: string, now: Date): boolean {
    return (this.checksByApplicant.get(applicantId) ?? []).some((c) => isComplete(c, now));
  }
}

/** A fresh state holding the sandbox customers of SANDBOX.md. */
export function seedState(): KycState {
  const state = new KycState();
  const firstCheckDone = Date.parse('2025-06-01T10:00:00Z');
  for (let n = 1; n <= CUSTOMER_COUNT; n++) {
    const applicantId = state.nextApplicantId();
    const checkId = state.nextCheckId();
    if (n === 9) continue; // cust-0009 has no applicant; its ids stay unused so app_00NN keeps meaning cust-00NN
    const [firstName, lastName] = NAMES[n - 1] ?? [`Customer${n}`, 'Sandbox'];
    const dob = n === 1 ? '1988-04-12' : isoDate(1960 + ((n * 7) % 40), (n % 12) + 1, ((n * 3) % 28) + 1);
    const since = n === 1 ? '2019-03-01' : isoDate(2015 + (n % 9), ((n * 5) % 12) + 1, (n % 28) + 1);
    const createdAt = new Date(`${since}T09:00:00Z`);
    const seedRisk = n === 1 ? 12 : n === 7 ? 72 : (n * 7) % 40;
    state.addApplicant({
      id: applicantId,
      externalId: `cust-${pad4(n)}`,
      firstName,
      lastName,
      email: `${firstName}.${lastName}@example.com`.toLowerCase(),
      dob,
      createdAt,
      ...(n === 8 ? {} : { seedRisk }),
    });
    const completesAt = new Date(firstCheckDone + (n - 1) * 3_600_000);
    state.addCheck({
      id: checkId,
      applicantId,
      reportNames: [...REPORT_NAMES],
      createdAt: new Date(completesAt.getTime() - 5 * 60_000),
      completesAt: n === 8 ? null : completesAt,
      result: n === 7 ? 'consider' : 'clear',
    });
  }
  return state;
}

export type WatchlistName = 'EU-CONSOLIDATED' | 'OFAC-SDN';

/** The sandbox sanctions lists. Matching ignores case, diacritics, punctuation and word order. */
export const WATCHLIST: readonly { readonly list: WatchlistName; readonly name: string }[] = [
  { list: 'EU-CONSOLIDATED', name: 'Ivan Sanctioned' },
  { list: 'OFAC-SDN', name: 'Ivan Sanctioned' },
  { list: 'OFAC-SDN', name: 'Acme Shell Holdings' },
  { list: 'EU-CONSOLIDATED', name: 'Jürgen Embargo' },
];
