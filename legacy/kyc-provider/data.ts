/**
 * The KYC provider's (Onfido's) sandbox data, built deterministically from legacy/SANDBOX.md. Onfido keeps no
 * reference of ours on an applicant (no external id): bankgraph holds the customer -> applicant mapping itself, and
 * seeds the sandbox customers' from the same rule as here (connectors/kyc-provider/sandbox.ts, copied: simulators
 * import nothing of bankgraph's). Customer N (cust-00NN) is the applicant `sandboxApplicantId(N)` with one check
 * `sandboxCheckId(N)` (reports document, facial_similarity_photo, watchlist_standard), complete and clear, except:
 *   cust-0001  Amelia Hartmann, born 1988-04-12, check run 2025-06-01T10:00:00Z, clear
 *   cust-0007  check result consider (its document report)
 *   cust-0008  check still in progress (never completes)
 *   cust-0009  no applicant at all
 *
 * Sandbox triggers for applicants created through the API (checks complete `checkDurationMs` after they start, at
 * once with `asynchronous: false`):
 *   last_name "Consider" (any case), an email containing "+consider", or the report in the check's `consider` list
 *                                        -> that report (all reports, for the name triggers) and the check `consider`
 *   last_name "Awaiting"                 -> the check stays `awaiting_applicant` (the applicant has not sent data)
 *   last_name "Paused"                   -> the check stays `paused` (POST /checks/{id}/resume starts it again)
 *   last_name "Withdrawn"                -> the check becomes `withdrawn` instead of completing
 *   anyone else                          -> result `clear`
 * (Onfido has no risk score: the sandbox's risk figures are the bank's own scoring's, legacy/risk-scoring.)
 *   a watchlist report on a name of the sanctions lists (watchlist.ts) -> that report `consider`, with its records
 */

export const CUSTOMER_COUNT = 24;

export type CheckResult = 'clear' | 'consider';
/** What a check becomes when it is not simply run to completion (sandbox triggers). */
export type CheckFate = 'complete' | 'awaiting_applicant' | 'paused' | 'withdrawn' | 'never';

export interface ApplicantRecord {
  readonly id: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string | null;
  /** YYYY-MM-DD. */
  readonly dob: string | null;
  readonly createdAt: Date;
}

export interface ReportRecord {
  readonly id: string;
  readonly name: string;
  readonly result: CheckResult;
  /** Watchlist reports: the list entries matched (Onfido's `properties.records`). */
  readonly records: readonly { readonly full_name: string; readonly source: readonly { readonly source_name: string }[] }[];
}

export interface CheckRecord {
  readonly id: string;
  readonly applicantId: string;
  readonly reports: readonly ReportRecord[];
  readonly tags: readonly string[];
  readonly createdAt: Date;
  /** When the check is (or will be) over: complete, or withdrawn for that trigger. */
  completesAt: Date;
  fate: CheckFate;
  /** The check's result once complete: consider when any report is. */
  readonly result: CheckResult;
}

/** The reports bankgraph's onboarding asks for, the sandbox customers' checks. */
export const ONBOARDING_REPORTS = ['document', 'facial_similarity_photo', 'watchlist_standard'] as const;

/** The report names this simulator runs (a subset of Onfido's `report_name`). */
export const REPORT_NAMES = [
  'document',
  'facial_similarity_photo',
  'watchlist_standard',
  'watchlist_aml',
  'watchlist_sanctions_only',
] as const;

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

/**
 * Onfido's ids are UUIDs. The simulator's are deterministic ones, a prefix per kind and a sequence number, so that
 * the sandbox customers' are known in advance (cust-0001's applicant is a0000000-0000-4000-8000-000000000001).
 */
const uuid = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const sandboxApplicantId = (n: number) => uuid('a0000000', n);
export const sandboxCheckId = (n: number) => uuid('c0000000', n);
const reportId = (n: number) => uuid('e0000000', n);

/** The sandbox rule for a person's reports (see the header comment). */
export function considersPerson(lastName: string, email: string | null): boolean {
  if (lastName.trim().toLowerCase() === 'consider') return true;
  return email !== null && email.toLowerCase().includes('+consider');
}

/** The sandbox rule for how a check ends (see the header comment). */
export function fateFor(lastName: string): CheckFate {
  switch (lastName.trim().toLowerCase()) {
    case 'awaiting':
      return 'awaiting_applicant';
    case 'paused':
      return 'paused';
    case 'withdrawn':
      return 'withdrawn';
    default:
      return 'complete';
  }
}

/** A check's status on Onfido's enum at `now`. */
export function statusOf(check: CheckRecord, now: Date): 'in_progress' | 'awaiting_applicant' | 'paused' | 'complete' | 'withdrawn' {
  switch (check.fate) {
    case 'awaiting_applicant':
    case 'paused':
      return check.fate;
    case 'never':
      return 'in_progress';
    case 'withdrawn':
    case 'complete':
      return now.getTime() >= check.completesAt.getTime() ? check.fate : 'in_progress';
  }
}

/** Applicants and checks of one simulator instance. */
export class KycState {
  readonly applicants = new Map<string, ApplicantRecord>();
  readonly checks = new Map<string, CheckRecord>();
  readonly reports = new Map<string, { readonly report: ReportRecord; readonly check: CheckRecord }>();
  private readonly checksByApplicant = new Map<string, CheckRecord[]>();
  private applicantSeq = 0;
  private checkSeq = 0;
  private reportSeq = 0;

  nextApplicantId(): string {
    return sandboxApplicantId(++this.applicantSeq);
  }

  nextCheckId(): string {
    return sandboxCheckId(++this.checkSeq);
  }

  nextReportId(): string {
    return reportId(++this.reportSeq);
  }

  addApplicant(a: ApplicantRecord): void {
    this.applicants.set(a.id, a);
  }

  /** Newest first, as Onfido lists them. */
  applicantsNewestFirst(): ApplicantRecord[] {
    return [...this.applicants.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  }

  addCheck(c: CheckRecord): void {
    this.checks.set(c.id, c);
    for (const report of c.reports) this.reports.set(report.id, { report, check: c });
    const list = this.checksByApplicant.get(c.applicantId) ?? [];
    list.push(c);
    this.checksByApplicant.set(c.applicantId, list);
  }

  checksOf(applicantId: string): readonly CheckRecord[] {
    return this.checksByApplicant.get(applicantId) ?? [];
  }
}

/** A fresh state holding the sandbox customers of SANDBOX.md. */
export function seedState(): KycState {
  const state = new KycState();
  const firstCheckRun = Date.parse('2025-06-01T10:00:00Z');
  for (let n = 1; n <= CUSTOMER_COUNT; n++) {
    const applicantId = state.nextApplicantId();
    const checkId = state.nextCheckId();
    const reportIds = ONBOARDING_REPORTS.map(() => state.nextReportId());
    if (n === 9) continue; // cust-0009 has no applicant; its ids stay unused so the Nth id keeps meaning cust-00NN
    const [firstName, lastName] = NAMES[n - 1] ?? [`Customer${n}`, 'Sandbox'];
    const dob = n === 1 ? '1988-04-12' : isoDate(1960 + ((n * 7) % 40), (n % 12) + 1, ((n * 3) % 28) + 1);
    const since = n === 1 ? '2019-03-01' : isoDate(2015 + (n % 9), ((n * 5) % 12) + 1, (n % 28) + 1);
    state.addApplicant({
      id: applicantId,
      firstName,
      lastName,
      email: `${firstName}.${lastName}@example.com`.toLowerCase(),
      dob,
      createdAt: new Date(`${since}T09:00:00Z`),
    });
    // Onfido's check carries its creation time only: the sandbox's "checked at" is when the check was run.
    const createdAt = new Date(firstCheckRun + (n - 1) * 3_600_000);
    const result: CheckResult = n === 7 ? 'consider' : 'clear';
    state.addCheck({
      id: checkId,
      applicantId,
      reports: ONBOARDING_REPORTS.map((name, i) => ({ id: reportIds[i] as string, name, result: name === 'document' ? result : 'clear', records: [] })),
      tags: [],
      createdAt,
      completesAt: createdAt,
      fate: n === 8 ? 'never' : 'complete',
      result,
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
