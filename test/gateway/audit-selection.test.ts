import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectsAudited } from '../../gateway/plugins/audit.js';
import { auditedFieldsOf } from '../../lib/audited.js';

/** Which operations the audit plugin audits: fields looked up on the type they are selected on, through fragments. */

const SDL = /* GraphQL */ `
  directive @audited(category: AuditCategory!) on FIELD_DEFINITION
  enum AuditCategory { PERSONAL FINANCIAL KYC }
  interface Node { id: ID! }
  type Account implements Node { id: ID! number: String! @audited(category: FINANCIAL) name: String! }
  type Attempt implements Node { id: ID! number: Int! }
  union Thing = Account | Attempt
  type Query {
    me: Customer
    node(id: ID!): Node
    thing(id: ID!): Thing
    customer(id: ID!): Customer @audited(category: PERSONAL)
  }
  type Customer { id: ID! accounts: [Account!] attempts: [Attempt!] }
`;
const schema = buildSchema(SDL);
const audited = auditedFieldsOf(SDL);

function audits(source: string): boolean {
  const document = parse(source);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  return selectsAudited(schema, document, operation, audited);
}

describe('which operations are audited', () => {
  it('reads the audited fields from the schema document', () => {
    expect([...audited]).toEqual([
      ['Account.number', 'FINANCIAL'],
      ['Query.customer', 'PERSONAL'],
    ]);
  });

  it('a field by its type: Account.number is audited, Attempt.number is not', () => {
    expect(audits('{ me { accounts { number } } }')).toBe(true);
    expect(audits('{ me { attempts { number } } }')).toBe(false);
    expect(audits('{ me { id accounts { id name } } }')).toBe(false);
  });

  it('an audited entry point, whatever is selected below it', () => {
    expect(audits('{ customer(id: "c1") { id } }')).toBe(true);
    expect(audits('{ x: customer(id: "c1") { __typename } }')).toBe(true);
  });

  it('through aliases, fragment spreads and inline fragments on interfaces and unions', () => {
    expect(audits('{ a: me { b: accounts { c: number } } }')).toBe(true);
    expect(audits('query { me { ...F } } fragment F on Customer { accounts { number } }')).toBe(true);
    expect(audits('query { me { ...F } } fragment F on Customer { attempts { number } }')).toBe(false);
    expect(audits('{ node(id: "a") { ... on Account { number } } }')).toBe(true);
    expect(audits('{ node(id: "a") { ... on Attempt { number } } }')).toBe(false);
    expect(audits('{ thing(id: "a") { ... on Account { number } ... on Attempt { id } } }')).toBe(true);
  });

  it('a schema without @audited audits nothing; a bad category is refused', () => {
    const document = parse('{ customer(id: "c") { id } }');
    expect(selectsAudited(schema, document, document.definitions[0] as OperationDefinitionNode, new Map())).toBe(false);
    expect(() => auditedFieldsOf('type Query { a: String @audited(category: SECRET) }')).toThrow(
      '@audited on Query.a: expected category: one of PERSONAL, FINANCIAL, KYC, got SECRET',
    );
  });
});
