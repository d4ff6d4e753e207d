import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, getNamedType, isInterfaceType, isObjectType, type GraphQLField } from 'graphql';
import { describe, expect, it } from 'vitest';
import { auditedFieldsOf, type AuditCategory } from '../../lib/audited.js';

/**
 * Audit coverage of the graph: every field that returns personal or financial data is audited, because it carries
 * `@audited` or because every field leading to its type does (so no query reaches it without passing an audited
 * field). What counts as personal or financial is this file's classification, kept here on purpose: it names the
 * kinds of data (names, contact details, birth dates, account numbers, balances, amounts, transactions, card data,
 * KYC results), so a new field such as `iban` or `postalAddress` fails this test until someone marks it.
 */

const SUPERGRAPH = readFileSync(fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url)), 'utf8');

interface Rule {
  readonly category: AuditCategory;
  readonly why: string;
  readonly matches: (type: string, field: string, returns: string) => boolean;
}

const name = (re: RegExp): Rule['matches'] => (_type, field) => re.test(field);
const returns = (...types: string[]): Rule['matches'] => (_type, _field, r) => types.includes(r);
const fieldOf = (...types: string[]): Rule['matches'] => (type) => types.includes(type);

/** What personal and financial data looks like in a schema. */
const CLASSIFICATION: readonly Rule[] = [
  { category: 'PERSONAL', why: 'a person’s name', matches: name(/(first|last|middle|display|full|legal|given|family|maiden)Name$/i) },
  { category: 'PERSONAL', why: 'an e-mail address', matches: name(/e-?mail/i) },
  { category: 'PERSONAL', why: 'a phone number', matches: name(/phone|mobile/i) },
  { category: 'PERSONAL', why: 'a postal address', matches: name(/address|postcode|postalCode|street/i) },
  { category: 'PERSONAL', why: 'a date of birth', matches: name(/birth|^dob$/i) },
  { category: 'PERSONAL', why: 'a national identifier', matches: name(/passport|nationalId|taxId|ssn|nationality/i) },
  { category: 'PERSONAL', why: 'who a customer is', matches: returns('CustomerProfile') },
  { category: 'PERSONAL', why: 'part of who a customer is', matches: fieldOf('CustomerProfile') },
  { category: 'FINANCIAL', why: 'an account identifier', matches: name(/iban|^bic$|accountNumber|sortCode|routingNumber/i) },
  { category: 'FINANCIAL', why: 'an account number', matches: (type, field) => field === 'number' && /account/i.test(type) },
  { category: 'FINANCIAL', why: 'a balance', matches: name(/balance/i) },
  { category: 'FINANCIAL', why: 'an amount', matches: name(/amount/i) },
  { category: 'FINANCIAL', why: 'money', matches: returns('Money') },
  { category: 'FINANCIAL', why: 'transactions', matches: name(/transaction/i) },
  { category: 'FINANCIAL', why: 'transactions', matches: returns('Transaction', 'TransactionConnection') },
  { category: 'FINANCIAL', why: 'part of a transaction', matches: fieldOf('Transaction') },
  { category: 'FINANCIAL', why: 'card data', matches: name(/^pan$|cardNumber|last4|expiry|cvv/i) },
  { category: 'FINANCIAL', why: 'a wallet', matches: returns('Wallet') },
  { category: 'KYC', why: 'a KYC result', matches: name(/kyc|risk/i) },
  { category: 'KYC', why: 'a KYC result', matches: returns('KycProfile') },
  { category: 'KYC', why: 'part of a KYC result', matches: fieldOf('KycProfile') },
];

interface Finding {
  readonly field: string;
  readonly problem: string;
}

/** The personal or financial fields of a supergraph that are not audited, and audited ones of the wrong category. */
function auditGaps(supergraphSdl: string): Finding[] {
  const schema = buildSchema(supergraphSdl, { assumeValidSDL: true });
  const audited = auditedFieldsOf(supergraphSdl);
  const fields: { type: string; field: string; returns: string }[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(isObjectType(type) || isInterfaceType(type)) || /^(__|join__|link__)/.test(type.name)) continue;
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
      fields.push({ type: type.name, field: field.name, returns: getNamedType(field.type).name });
    }
  }
  // Covered: audited itself, or every field that returns its type is covered (least fixed point: a cycle of
  // unaudited fields stays uncovered). Root fields have no way in but themselves.
  const covered = new Set(audited.keys());
  for (let changed = true; changed; ) {
    changed = false;
    for (const f of fields) {
      const where = `${f.type}.${f.field}`;
      if (covered.has(where)) continue;
      const ways = fields.filter((g) => g.returns === f.type);
      if (ways.length > 0 && ways.every((g) => covered.has(`${g.type}.${g.field}`))) {
        covered.add(where);
        changed = true;
      }
    }
  }
  const findings: Finding[] = [];
  for (const f of fields) {
    const where = `${f.type}.${f.field}`;
    const rule = CLASSIFICATION.find((r) => r.matches(f.type, f.field, f.returns));
    if (!rule) continue;
    const own = audited.get(where);
    if (!covered.has(where)) findings.push({ field: where, problem: `returns ${rule.why} and is not audited: add @audited(category: ${rule.category})` });
    else if (own && own !== rule.category) findings.push({ field: where, problem: `returns ${rule.why} (${rule.category}) but is @audited(category: ${own})` });
  }
  return findings;
}

describe('audit coverage of the supergraph', () => {
  it('audits every field that returns personal or financial data', () => {
    expect(auditGaps(SUPERGRAPH)).toEqual([]);
  });

  it('finds the one field whose @audited is taken away: an account number', () => {
    const line = /^(\s*number: String! @join__field\(graph: ACCOUNTS\)) @audited\(category: FINANCIAL\)/m;
    expect(SUPERGRAPH).toMatch(line);
    expect(auditGaps(SUPERGRAPH.replace(line, '$1'))).toEqual([
      { field: 'Account.number', problem: 'returns an account number and is not audited: add @audited(category: FINANCIAL)' },
    ]);
  });

  it('finds a field whose type is reached by a new, unaudited way (profile fields through a second entry point)', () => {
    const withSecondWay = `${SUPERGRAPH}\nextend type Query {\n  profileOf(id: ID!): CustomerProfile\n}\n`;
    const gaps = auditGaps(withSecondWay).map((f) => f.field);
    expect(gaps).toContain('Query.profileOf');
    expect(gaps).toEqual(expect.arrayContaining(['CustomerProfile.email', 'CustomerProfile.dateOfBirth', 'CustomerProfile.lastName']));
  });

  it('finds an audited field of the wrong category', () => {
    const wrong = SUPERGRAPH.replace(/(profile: CustomerProfile @join__field\(graph: ACCOUNTS\)) @audited\(category: PERSONAL\)/, '$1 @audited(category: KYC)');
    expect(auditGaps(wrong)).toEqual([
      { field: 'Customer.profile', problem: 'returns who a customer is (PERSONAL) but is @audited(category: KYC)' },
    ]);
  });
});
