/**
 * Request shapes for the gateway's request fuzz (test/e2e/request-fuzz.test.ts): a table of named odd requests and a
 * seeded combinator that mixes the same ingredients, so a failure names its case and reproduces from its seed.
 */

/** One HTTP request as the fuzz sends it. `body` is sent as is (a string or raw bytes). */
export interface FuzzRequest {
  readonly label: string;
  readonly method: string;
  /** Path and query string. */
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
}

/** The identities a shape is sent as: a header value for `authorization`, or none. */
export interface Callers {
  readonly customer: string;
  /** A budget-app token under its sandbox consent. */
  readonly partner: string;
  /** Support staff: may name any customer or account, so odd ids reach the legacy systems. */
  readonly staff: string;
  /** Odd Authorization headers: bad schemes, malformed, forged, expired and oddly-claimed JWTs. */
  readonly odd: readonly string[];
}

/** mulberry32: a tiny deterministic PRNG, so the combinator's cases are the same on every run of one seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const nested = (depth: number) => `{ me ${'{ accounts '.repeat(depth)}${'}'.repeat(depth)} }`;

/** Documents: valid ones with arguments to feed odd variables, and broken ones. */
export const QUERIES: readonly unknown[] = [
  '{ me { id } }',
  'query Me { me { id } }',
  'query Account($id: ID!) { account(id: $id) { id balance { amount currency } } }',
  'query Card($id: ID!) { card(id: $id) { id last4 status } }',
  'query Customer($id: ID!) { customer(id: $id) { id } }',
  'query Customers($ids: [ID!]!) { customers(ids: $ids) { id } }',
  'query Journey($id: ID!) { journey(id: $id) { id status } }',
  'query Rate($from: String!, $to: String!) { fxRate(from: $from, to: $to) { rate } }',
  'query Page($first: Int) { me { accounts { transactions(first: $first) { totalCount } } } }',
  'query Total($currency: String!) { me { wallet { total(currency: $currency) { amount } } } }',
  'mutation Freeze($idempotencyKey: String!, $cardId: ID!) { freezeCard(idempotencyKey: $idempotencyKey, cardId: $cardId) { journey { id status } } }',
  'query A { me { id } } query B { me { id } }',
  'subscription S { me { id } }',
  '{ __typename }',
  '{ __schema { types { name } } }',
  'fragment A on Query { ...B } fragment B on Query { ...A } { ...A }',
  '{ me { id @skip(if: false) @skip(if: false) @include(if: true) } }',
  `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: me { id }`).join(' ')} }`,
  '{ me { accounts { transactions(first: 99999999999999999999) { totalCount } } } }',
  '{ me { wallet { total(currency: "\u0000") { amount } } } }',
  '{ account(id: "𝄞\u0000\u202e") { id } }',
  '{ me { id } } # ünïcødé 𝄞',
  '{ me { id } }\u0000',
  '\ufeff{ me { id } }',
  '{ me { id ',
  '}}}',
  'query ($: ID) { me }',
  '{ me { ...Missing } }',
  '{ nope }',
  nested(20),
  nested(500),
  '{'.repeat(5000),
  `{ me { id } }${' '.repeat(200_000)}`,
  `{ me { ${'id '.repeat(5000)}} }`,
  '',
  ' ',
  null,
  42,
  true,
  {},
  [],
  ['{ me { id } }'],
  { kind: 'Document', definitions: [] },
];

const HUGE = 'x'.repeat(20_000);

/** `variables` values: the wrong JSON types, wrong types for the operations above, and extras. */
export const VARIABLES: readonly unknown[] = [
  undefined,
  null,
  'string',
  '{"id":"acc-5001"}',
  [],
  [{ id: 'acc-5001' }],
  42,
  {},
  { id: 'acc-5001' },
  { id: 'acc-9999' },
  { id: 123 },
  { id: 1.5 },
  { id: null },
  { id: {} },
  { id: [] },
  { id: true },
  { id: HUGE },
  { id: '\u0000' },
  { id: '𝄞\u202e' },
  { id: '../../__faults' },
  { id: 'acc-5001?x=1#y' },
  { id: 'cust-0002' },
  { ids: 'cust-0001' },
  { ids: [] },
  { ids: Array.from({ length: 500 }, () => 'cust-0001') },
  { ids: [null] },
  { first: 'ten' },
  { first: 2 ** 31 },
  { first: -1 },
  { first: 1.5 },
  { first: 0 },
  { from: 'EUR', to: 'XXX' },
  { from: '', to: '' },
  { from: 'EUR', to: 'EUR' },
  { from: 'eur', to: 'usd' },
  { currency: 'XXX' },
  { currency: '' },
  { currency: { code: 'EUR' } },
  { idempotencyKey: '', cardId: 'card-0001' },
  { idempotencyKey: HUGE, cardId: 'card-0001' },
  { idempotencyKey: 'fuzz-1', cardId: '\u0000' },
  { idempotencyKey: 7, cardId: 7 },
  { customerId: 'cust-0001' },
  { customerId: 'cust-0002' },
  { customerId: ['cust-0001'] },
  { customerId: '\u0000' },
  { accountId: 'acc-5001', first: 2 },
  { accountId: 'acc-5003', first: 1 },
  { accountId: 'acc-5001', first: 1000 },
  { accountId: 'acc-5001', first: -3 },
  { accountId: '%2F..%2F', first: 'x' },
  { extra: 1, id: 'acc-5001' },
  JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'),
  { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: {} } } } } } } } } } } },
];

/** `operationName` values. */
export const OPERATION_NAMES: readonly unknown[] = [undefined, null, 42, {}, [], '', 'Nope', 'A', 'Me', HUGE, '\u0000', '𝄞'];

const HEX64 = 'a'.repeat(64);

/** `extensions` values: persistedQuery with the wrong types, ids that are not hex, unknown keys. */
export const EXTENSIONS: readonly unknown[] = [
  undefined,
  null,
  'string',
  [],
  {},
  { persistedQuery: null },
  { persistedQuery: 'abc' },
  { persistedQuery: [] },
  { persistedQuery: {} },
  { persistedQuery: { version: 2, sha256Hash: HEX64 } },
  { persistedQuery: { version: '1', sha256Hash: HEX64 } },
  { persistedQuery: { version: 1 } },
  { persistedQuery: { version: 1, sha256Hash: 123 } },
  { persistedQuery: { version: 1, sha256Hash: {} } },
  { persistedQuery: { version: 1, sha256Hash: '' } },
  { persistedQuery: { version: 1, sha256Hash: 'zz-not-hex' } },
  { persistedQuery: { version: 1, sha256Hash: HEX64 } },
  { persistedQuery: { version: 1, sha256Hash: HUGE } },
  { persistedQuery: { version: 1, sha256Hash: '\u0000𝄞' } },
  { unknownExtension: true },
  { http: { status: 500 } },
  { persistedQuery: { version: 1, sha256Hash: HEX64 }, clientLibrary: { name: 'x' } },
];

/** `documentId` values (the GraphQL over HTTP proposal's persisted id). */
export const DOCUMENT_IDS: readonly unknown[] = [undefined, null, 123, '', 'sha256:', 'sha256:zz', `sha256:${HEX64}`, HEX64, {}, ['x'], HUGE];

const TRACE = '0af7651916cd43dd8448eb211c80319c';
/** Header oddities besides Authorization. */
export const HEADER_SETS: readonly Record<string, string>[] = [
  {},
  { 'x-request-id': '' },
  { 'x-request-id': 'r'.repeat(300) },
  { 'x-request-id': 'ünï' },
  { 'x-request-id': '../../etc/passwd' },
  { 'x-request-id': '4111111111111111' },
  { traceparent: 'garbage' },
  { traceparent: `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01` },
  { traceparent: `ff-${TRACE}-b7ad6b7169203331-01` },
  { traceparent: `00-${TRACE}-b7ad6b7169203331-01-extra` },
  { traceparent: 't'.repeat(4000), tracestate: '=,=,=' },
  { tracestate: 'a=b,'.repeat(200) },
  { accept: 'text/html' },
  { accept: 'application/xml' },
  { accept: 'application/graphql-response+json' },
  { accept: '*/*;q=abc' },
  { accept: '' },
  { 'apollo-require-preflight': 'true' },
  { 'x-apollo-operation-name': 'x' },
  { 'x-bankgraph-context': 'forged.context.value' },
  { 'x-bankgraph-deadline-ms': '-1' },
  { 'x-bankgraph-deadline-ms': 'soon' },
  { 'x-forwarded-for': 'not-an-ip, 999.999.999.999' },
  { 'content-encoding': 'gzip' },
  { expect: '100-continue' },
  { expect: 'a-teapot' },
  { 'x-large': 'x'.repeat(8_000) },
];

/** Content types for POST bodies. */
export const CONTENT_TYPES: readonly (string | undefined)[] = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/graphql',
  'application/graphql-response+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  undefined,
];

/** POST bodies that are not a JSON object: not JSON at all, or JSON of another type. */
export const RAW_BODIES: readonly (string | Uint8Array)[] = [
  '',
  '   ',
  '{',
  '{"query": "{ me { id } }"',
  '{"query": "{ me { id } }"}}',
  "{'query': '{ me { id } }'}",
  'query=%7B%20me%20%7B%20id%20%7D%20%7D',
  '{ me { id } }',
  'null',
  'true',
  '42',
  '"{ me { id } }"',
  '[]',
  '[{"query": "{ me { id } }"}]',
  '[{"query": "{ me { id } }"}, {"query": "{ me { id } }"}]',
  '[null]',
  '{}',
  '{"query": "{ me { id } }", "query": 7}',
  '{"query": "\\ud800"}',
  '{"query": "{ me { id } }"}\u0000',
  '\u0000\u0000\u0000',
  new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d]),
  new Uint8Array([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
  `{"query": "{ me { id } }", "variables": ${'['.repeat(3000)}${']'.repeat(3000)}}`,
  `{"query": "{ me { id } }", "variables": ${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
];

/** Paths other than /graphql, and /graphql with odd query strings. */
export const ODD_TARGETS: readonly string[] = [
  '/graphql/',
  '/graphql/persisted/zz-not-hex',
  `/graphql/persisted/${HEX64}`,
  '/graphql?',
  '/graphql?query',
  '/graphql?query=',
  '/graphql?query=%7B%20me%20%7B%20id%20%7D%20%7D&query=%7B%20me%20%7B%20id%20%7D%20%7D',
  '/graphql?query=%E0%A4%A',
  '/graphql?query=%00',
  '/graphql?variables=%7B',
  '/graphql?extensions=%7B',
  '/graphql?extensions=null',
  '/graphql?query=%7B%20me%20%7B%20id%20%7D%20%7D&variables=%5B%5D',
  '/graphql?query=%7B%20me%20%7B%20id%20%7D%20%7D&extensions=%7B%22persistedQuery%22%3A5%7D',
  `/graphql?documentId=sha256%3A${HEX64}`,
  '/graphql?documentId=%00',
  '/graphql?query=mutation%20%7B%20freezeCard(idempotencyKey%3A%22x%22%2C%20cardId%3A%22y%22)%20%7B%20journey%20%7B%20id%20%7D%20%7D%20%7D',
  '/%2e%2e/graphql',
  '/graphql%00',
  '/GRAPHQL',
  '/health?x=%zz',
  '/ready?verbose=%00',
];

/** A request's fields, as a JSON body or a GET query string (objects JSON-encoded, as GET carries them). */
export interface Fields {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

export function jsonBody(fields: Fields): string {
  return JSON.stringify(fields);
}

export function searchOf(fields: Fields): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    params.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  const search = params.toString();
  return search ? `?${search}` : '';
}

/** The ids of committed persisted operations: the partner's own (budget-app) and the first-party apps'. */
export interface PersistedIds {
  readonly partner: readonly string[];
  readonly firstParty: readonly string[];
}

/** The table: each ingredient on its own in an otherwise sane request, sent as each caller. */
export function tableCases(callers: Callers, ids: PersistedIds): FuzzRequest[] {
  const out: FuzzRequest[] = [];
  const as: [string, string | undefined][] = [
    ['customer', callers.customer],
    ['partner', callers.partner],
    ['staff', callers.staff],
    ['unauthenticated', undefined],
  ];
  const base = { query: '{ me { id } }' };
  for (const [who, authorization] of as) {
    const auth: Record<string, string> = authorization ? { authorization } : {};
    const post = (label: string, body: string | Uint8Array, contentType: string | undefined = 'application/json', headers: Record<string, string> = {}) =>
      out.push({ label: `${who} POST ${label}`, method: 'POST', target: '/graphql', headers: { ...auth, ...(contentType === undefined ? {} : { 'content-type': contentType }), ...headers }, body });
    const get = (label: string, fields: Fields, headers: Record<string, string> = {}) =>
      out.push({ label: `${who} GET ${label}`, method: 'GET', target: `/graphql${searchOf(fields)}`, headers: { ...auth, 'apollo-require-preflight': 'true', ...headers } });

    QUERIES.forEach((query, i) => {
      post(`query#${i}`, jsonBody({ query }));
      get(`query#${i}`, { query });
    });
    // Staff may name any customer, account or card, so their odd ids reach the legacy systems: documents, variables
    // and persisted operations are what matter for them. Without a token, nothing gets past authentication but the
    // shape of the request itself.
    const whole = who === 'customer' || who === 'partner';
    if (who !== 'unauthenticated') VARIABLES.forEach((variables, i) => {
      post(`variables#${i}`, jsonBody({ query: QUERIES[2 + (i % 9)], variables }));
      get(`variables#${i}`, { query: QUERIES[2 + (i % 8)], variables });
    });
    if (whole) OPERATION_NAMES.forEach((operationName, i) => post(`operationName#${i}`, jsonBody({ ...base, operationName })));
    if (who !== 'staff') EXTENSIONS.forEach((extensions, i) => {
      post(`extensions#${i}`, jsonBody({ extensions }));
      post(`extensions+query#${i}`, jsonBody({ ...base, extensions }));
      get(`extensions#${i}`, { extensions });
    });
    if (whole) DOCUMENT_IDS.forEach((documentId, i) => post(`documentId#${i}`, jsonBody({ documentId })));
    // Persisted operations with odd variables and operation names: the partner its own, customers and staff the
    // first-party apps' (a quarter of the variables values each, in turn: an id needs only its own variables odd).
    if (who !== 'unauthenticated') (who === 'partner' ? ids.partner : ids.firstParty).forEach((id, i) =>
      VARIABLES.forEach((variables, j) => {
        if (who !== 'partner' && (i + j) % 4 !== 0) return;
        const persistedQuery = { version: 1, sha256Hash: id };
        post(`persisted#${i} variables#${j}`, jsonBody({ variables, extensions: { persistedQuery }, ...(j % 7 === 0 ? { operationName: OPERATION_NAMES[j % OPERATION_NAMES.length] } : {}) }));
        if (j % 5 === 0) get(`persisted#${i} variables#${j}`, { variables, documentId: `sha256:${id}` });
      }),
    );
    if (who !== 'staff') HEADER_SETS.forEach((headers, i) => {
      post(`headers#${i}`, jsonBody(base), 'application/json', headers);
      get(`headers#${i}`, base, headers);
    });
    if (who === 'staff') continue;
    CONTENT_TYPES.forEach((contentType, i) => post(`content-type#${i}`, jsonBody(base), contentType));
    RAW_BODIES.forEach((body, i) => post(`raw-body#${i}`, body));
    ODD_TARGETS.forEach((target, i) =>
      out.push({ label: `${who} GET target#${i}`, method: 'GET', target, headers: { ...auth, 'apollo-require-preflight': 'true' } }),
    );
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) {
      out.push({ label: `${who} ${method}`, method, target: '/graphql', headers: { ...auth, 'content-type': 'application/json' }, ...(method === 'HEAD' || method === 'OPTIONS' ? {} : { body: jsonBody(base) }) });
    }
  }
  callers.odd.forEach((authorization, i) => {
    out.push({ label: `odd-auth#${i} POST`, method: 'POST', target: '/graphql', headers: { authorization, 'content-type': 'application/json' }, body: jsonBody(base) });
    out.push({ label: `odd-auth#${i} GET`, method: 'GET', target: `/graphql${searchOf(base)}`, headers: { authorization, 'apollo-require-preflight': 'true' } });
  });
  return out;
}

/** `count` requests mixing every ingredient at random, from `seed`. */
export function randomCases(callers: Callers, ids: PersistedIds, seed: number, count: number): FuzzRequest[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const maybe = <T>(items: readonly T[], p = 0.5): T | undefined => (random() < p ? pick(items) : undefined);
  const authorizations = [callers.customer, callers.partner, callers.staff, undefined, ...callers.odd];
  const persisted = [...ids.partner, ...ids.firstParty].map((sha256Hash) => ({ persistedQuery: { version: 1, sha256Hash } }));
  return Array.from({ length: count }, (_, i) => {
    const fields: Fields = {
      query: maybe(QUERIES, 0.7),
      variables: maybe(VARIABLES, 0.7),
      operationName: maybe(OPERATION_NAMES, 0.3),
      extensions: random() < 0.3 ? pick(persisted) : maybe(EXTENSIONS, 0.3),
      documentId: maybe(DOCUMENT_IDS, 0.15),
    };
    const authorization = pick(authorizations);
    const headers: Record<string, string> = { ...(authorization ? { authorization } : {}), ...pick(HEADER_SETS), ...maybe(HEADER_SETS, 0.3) };
    const label = `random seed=${seed} #${i}`;
    if (random() < 0.35) {
      return { label, method: 'GET', target: `/graphql${searchOf(fields)}`, headers: { 'apollo-require-preflight': 'true', ...headers } };
    }
    const contentType = random() < 0.8 ? 'application/json' : pick(CONTENT_TYPES);
    const body = random() < 0.9 ? jsonBody(fields) : pick(RAW_BODIES);
    return { label, method: 'POST', target: '/graphql', headers: { ...headers, ...(contentType === undefined ? {} : { 'content-type': contentType }) }, body };
  });
}

/** A value put in place of one input field: odd amounts, currencies, ids and text, the wrong JSON types. */
export const ODD_FIELD_VALUES: readonly unknown[] = [
  '',
  ' ',
  '-5',
  '1e3',
  '0',
  '0.001',
  '007',
  '１００',
  '99999999999999999999999999.99',
  'eur',
  'XXX',
  'JPY',
  '\u0000',
  '𝄞\u202e',
  'x'.repeat(5_000),
  5,
  null,
  {},
];

/** Every path to a leaf of a plain JSON object (`['amount', 'currency']`). */
function leavesOf(value: Record<string, unknown>, prefix: string[] = []): string[][] {
  return Object.entries(value).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? leavesOf(v as Record<string, unknown>, [...prefix, k]) : [[...prefix, k]],
  );
}

function withLeaf(value: Record<string, unknown>, path: string[], leaf: unknown): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  return { ...value, [head]: rest.length === 0 ? leaf : withLeaf(value[head] as Record<string, unknown>, rest, leaf) };
}

/** A mutation (or query) with sane variables, each leaf of which the table replaces in turn. */
export interface InputOperation {
  readonly name: string;
  readonly document: string;
  readonly variables: Record<string, unknown>;
  /** The caller's Authorization header. */
  readonly authorization: string;
}

/**
 * The money-moving and customer-creating inputs, one odd field at a time: every leaf of each operation's sane
 * variables takes each of ODD_FIELD_VALUES. Each request has its own idempotency key (except when the key itself is
 * the odd field), so sane variables run the journey for real.
 */
export function inputCases(operations: readonly InputOperation[], keyPrefix: string): FuzzRequest[] {
  let n = 0;
  return operations.flatMap((op) =>
    leavesOf(op.variables).flatMap((path) =>
      ODD_FIELD_VALUES.map((leaf, i) => {
        const variables = withLeaf(op.variables, path, leaf);
        if (path[0] !== 'idempotencyKey' && 'idempotencyKey' in op.variables) variables.idempotencyKey = `${keyPrefix}-${++n}`;
        return {
          label: `${op.name} ${path.join('.')}=odd#${i}`,
          method: 'POST',
          target: '/graphql',
          headers: { authorization: op.authorization, 'content-type': 'application/json' },
          body: jsonBody({ query: op.document, variables }),
        };
      }),
    ),
  );
}
