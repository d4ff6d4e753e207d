import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { mintSandboxToken, type SandboxTokenSubject } from '../lib/tokens.js';
import { STAFF_ROLES, type StaffRole } from '../lib/principal.js';
import { loadPartners, SANDBOX_CONSENT_IDS, type PartnerRegistry } from '../lib/consents.js';

/**
 * Prints a sandbox bearer token on its last line:
 *   npm run -s token -- --customer cust-0001
 *   TOKEN=$(npm run -s token -- --staff support | tail -n 1)
 *   TOKEN=$(npm run -s token -- --partner budget-app | tail -n 1)
 */

const HELP = `Usage: npm run -s token -- <who> [--expires 1h]

Prints a sandbox bearer token (HS256, signed with JWT_SECRET or the sandbox secret) on the last line.

Who (exactly one):
  --customer <id>            a customer, e.g. --customer cust-0001
  --staff <role>             a staff member; role is ${STAFF_ROLES.join(' or ')}
    --staff-id <id>          the staff member's id (default staff-<role>)
  --partner <client-id>      a partner application of schema/partners.json (budget-app, payroll-app)
    --scope "<a b>"          narrow the token to these of its granted scopes (default: all of them)
    --consent <id>           the consent it acts under (default: its sandbox consent, e.g.
                             consent-budget-cust-0001 for budget-app)

Options:
  --expires <n><s|m|h|d>     lifetime (default 1h)
  --help                     this text

Example:
  curl -H "Authorization: Bearer $(npm run -s token -- --customer cust-0001 | tail -n 1)" ...`;

class UsageError extends Error {}

export interface TokenRequest {
  subject: SandboxTokenSubject;
  expiresIn: string;
}

/** The token request these arguments ask for; throws UsageError saying what was expected. */
export function parseTokenArgs(argv: string[], partners: PartnerRegistry = loadPartners()): TokenRequest | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        customer: { type: 'string' },
        staff: { type: 'string' },
        'staff-id': { type: 'string' },
        partner: { type: 'string' },
        scope: { type: 'string' },
        consent: { type: 'string' },
        expires: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';

  const chosen = (['customer', 'staff', 'partner'] as const).filter((k) => values[k] !== undefined);
  if (chosen.length !== 1) {
    throw new UsageError(`expected exactly one of --customer, --staff or --partner, got ${chosen.length}`);
  }
  const expiresIn = values.expires ?? '1h';
  if (!/^[1-9]\d*[smhd]$/.test(expiresIn)) {
    throw new UsageError(`--expires expects a lifetime such as 15m, 1h or 2d, got "${expiresIn}"`);
  }
  if (values['staff-id'] !== undefined && values.staff === undefined) throw new UsageError('--staff-id needs --staff');
  if (values.scope !== undefined && values.partner === undefined) throw new UsageError('--scope needs --partner');
  if (values.consent !== undefined && values.partner === undefined) throw new UsageError('--consent needs --partner');

  const id = (flag: string, value: string): string => {
    if (!/^[\x21-\x7e]{1,256}$/.test(value)) throw new UsageError(`${flag} expects an id without spaces, got "${value}"`);
    return value;
  };
  if (values.customer !== undefined) return { subject: { customer: id('--customer', values.customer) }, expiresIn };
  if (values.staff !== undefined) {
    const role = values.staff as StaffRole;
    if (!STAFF_ROLES.includes(role)) {
      throw new UsageError(`--staff expects one of ${STAFF_ROLES.join(', ')}, got "${values.staff}"`);
    }
    const staffId = values['staff-id'] === undefined ? undefined : id('--staff-id', values['staff-id']);
    return { subject: staffId ? { staff: role, staffId } : { staff: role }, expiresIn };
  }
  const clientId = id('--partner', values.partner as string);
  const partner = partners.get(clientId);
  if (!partner) {
    throw new UsageError(`--partner expects a partner of schema/partners.json (${[...partners.keys()].join(', ')}), got "${clientId}"`);
  }
  const asked = values.scope === undefined ? [...partner.scopes] : values.scope.split(' ').filter((s) => s.length > 0);
  const beyond = asked.filter((s) => !(partner.scopes as readonly string[]).includes(s));
  if (beyond.length > 0) {
    throw new UsageError(`--scope may only narrow ${clientId}'s granted scopes (${partner.scopes.join(' ')}); not granted: ${beyond.join(' ')}`);
  }
  const consentId = values.consent === undefined ? SANDBOX_CONSENT_IDS[clientId] : id('--consent', values.consent);
  return { subject: { partner: clientId, scopes: asked, ...(consentId ? { consentId } : {}) }, expiresIn };
}

function describe(subject: SandboxTokenSubject): string {
  if ('customer' in subject) return `customer ${subject.customer}`;
  if ('staff' in subject) return `staff (${subject.staff})`;
  const scopes = subject.scopes?.length ? ` with scopes "${subject.scopes.join(' ')}"` : '';
  return `partner ${subject.partner}${scopes}${subject.consentId ? ` under consent ${subject.consentId}` : ''}`;
}

/** Runs the script; returns the exit code (2 for bad arguments). */
export async function main(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  err: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<number> {
  let request: TokenRequest | 'help';
  try {
    request = parseTokenArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`token: ${e.message}`);
    err('Run with --help for usage.');
    return 2;
  }
  if (request === 'help') {
    out(HELP);
    return 0;
  }
  const token = await mintSandboxToken(request.subject, { expiresIn: request.expiresIn });
  out(`# sandbox token for ${describe(request.subject)}, valid ${request.expiresIn}`);
  out(token);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`token: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
