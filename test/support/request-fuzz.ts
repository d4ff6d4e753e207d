/**
 * Request shapes for the gateway's request fuzz (test/e2e/request-fuzz.test.ts): a table of named odd requests and a
 * seeded combinator that mixes the same ingredients, so a failure names its case and reproduces from its seed.
 */

import { seededRandom } from '../../legacy/notifier/data.js';
import {
  CONTENT_TYPES,
  DOCUMENT_IDS,
  EXTENSIONS,
  HEADER_SETS,
  ODD_FIELD_VALUES,
  ODD_TARGETS,
  OPERATION_NAMES,
  QUERIES,
  RAW_BODIES,
  VARIABLES,
} from './request-fuzz-values.js';

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

/** mulberry32 (the notifier simulator's): the combinator's cases are the same on every run of one seed. */
export { seededRandom };

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
