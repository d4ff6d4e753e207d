import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApolloServerPlugin } from '@apollo/server';
import { BankError, ErrorCode, HTTP_STATUS } from '../../lib/errors.js';
import type { Principal } from '../../lib/principal.js';
import type { GatewayContext } from '../context.js';

/**
 * Persisted operations (schema/persisted/<manifest>.json, built by `npm run persisted`):
 *  - a partner runs only ids of its own manifest: sending a document is PERSISTED_OPERATION_REQUIRED; an id that
 *    is not in its manifest (unknown, or another partner's) is PERSISTED_OPERATION_NOT_FOUND;
 *  - customers and staff (the bank's own apps) send documents, or ids of first-party.json.
 * An id is sent as Apollo's `extensions.persistedQuery.sha256Hash` (version 1) or as `documentId` (the GraphQL over
 * HTTP proposal; a `sha256:` prefix is accepted).
 *
 * Two halves: `admit` decides while the context is built (http.ts), where a refusal answers with its HTTP status and
 * before anything is parsed; the plugin then puts the manifest's document in the request, before Apollo looks at it.
 * Apollo's own automatic persisted queries are off (server.ts): they would let any client register documents. The
 * manifest id is sha256 of the document, which is also the key of Apollo's documentStore, so a persisted document
 * is parsed and validated once per schema, not once per request.
 */

export const FIRST_PARTY_MANIFEST = 'first-party';

export const DEFAULT_PERSISTED_DIR = fileURLToPath(new URL('../../schema/persisted/', import.meta.url));

/** What a client sent that concerns persisted operations. */
export interface PersistedRequest {
  readonly query?: unknown;
  readonly documentId?: unknown;
  readonly extensions?: unknown;
}

/** A persisted operation chosen for this request. */
export interface PersistedDocument {
  readonly id: string;
  readonly document: string;
}

export class PersistedOperations {
  private constructor(private readonly manifests: ReadonlyMap<string, ReadonlyMap<string, string>>) {}

  /** Reads every `<name>.json` of the directory; a missing directory means no manifests (partners run nothing). */
  static load(dir: string = DEFAULT_PERSISTED_DIR): PersistedOperations {
    const manifests = new Map<string, Map<string, string>>();
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
    for (const file of files) {
      const raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
      const entries = Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string');
      manifests.set(file.slice(0, -'.json'.length), new Map(entries));
    }
    return new PersistedOperations(manifests);
  }

  static of(manifests: Record<string, Record<string, string>>): PersistedOperations {
    return new PersistedOperations(new Map(Object.entries(manifests).map(([n, m]) => [n, new Map(Object.entries(m))])));
  }

  /** Every document of every manifest (what /metrics labels by name: gateway/plugins/metrics.ts). */
  *documents(): Iterable<string> {
    for (const manifest of this.manifests.values()) yield* manifest.values();
  }

  /**
   * The persisted document this principal asks for; undefined when a first-party caller sends a document of its
   * own. Throws PERSISTED_OPERATION_REQUIRED / PERSISTED_OPERATION_NOT_FOUND (HTTP 400).
   */
  admit(principal: Principal, request: PersistedRequest): PersistedDocument | undefined {
    const id = idOf(request);
    const hasQuery = typeof request.query === 'string' && request.query.length > 0;
    const manifestName = principal.kind === 'partner' ? principal.clientId : FIRST_PARTY_MANIFEST;
    if (principal.kind === 'partner' && hasQuery) {
      throw refusal(
        ErrorCode.PERSISTED_OPERATION_REQUIRED,
        'Partners run persisted operations only: send the operation\'s id (extensions.persistedQuery.sha256Hash or documentId), not a document.',
      );
    }
    if (id === undefined) {
      if (hasQuery) return undefined;
      // Neither a document nor an id: Apollo explains what a request must contain.
      if (principal.kind === 'partner') {
        throw refusal(ErrorCode.PERSISTED_OPERATION_REQUIRED, 'Send the id of one of your persisted operations.');
      }
      return undefined;
    }
    const document = this.manifests.get(manifestName)?.get(id);
    if (document === undefined) {
      throw refusal(
        ErrorCode.PERSISTED_OPERATION_NOT_FOUND,
        `No persisted operation with id "${id.slice(0, 80)}" is available to ${principal.kind === 'partner' ? `partner ${principal.clientId}` : 'first-party apps'}.`,
      );
    }
    if (hasQuery && request.query !== document) {
      throw new BankError(ErrorCode.BAD_REQUEST, 'The query sent is not the persisted operation of that id: send one or the other.', {
        extensions: { http: { status: HTTP_STATUS[ErrorCode.BAD_REQUEST] } },
      });
    }
    return { id, document };
  }
}

/** Puts the admitted persisted document in the request before Apollo resolves its source (it runs first). */
export function persistedOperationsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      const persisted = contextValue.persisted;
      if (!persisted) return;
      request.query = persisted.document;
      if (request.extensions) {
        const { persistedQuery: _ignored, ...rest } = request.extensions;
        request.extensions = rest;
      }
    },
  };
}

/** The fields of a GET request's query string that concern persisted operations. */
export function persistedRequestOfSearch(search: string): PersistedRequest {
  const params = new URLSearchParams(search);
  let extensions: unknown;
  try {
    extensions = params.has('extensions') ? JSON.parse(params.get('extensions') ?? '') : undefined;
  } catch {
    extensions = undefined; // Apollo refuses the malformed parameter itself
  }
  return { query: params.get('query') ?? undefined, documentId: params.get('documentId') ?? undefined, extensions };
}

function idOf(request: PersistedRequest): string | undefined {
  if (typeof request.documentId === 'string' && request.documentId.length > 0) {
    return request.documentId.replace(/^sha256:/, '');
  }
  const ext = request.extensions;
  if (typeof ext !== 'object' || ext === null) return undefined;
  const pq = (ext as { persistedQuery?: unknown }).persistedQuery;
  if (pq === undefined || pq === null) return undefined;
  if (typeof pq !== 'object' || Array.isArray(pq)) {
    throw refusal(ErrorCode.BAD_REQUEST, 'extensions.persistedQuery must be an object: { "version": 1, "sha256Hash": "<id>" }.');
  }
  // Apollo's persisted-query protocol has one version; another would be a different protocol, not this id.
  const version = (pq as { version?: unknown }).version;
  if (version !== 1) {
    throw refusal(ErrorCode.BAD_REQUEST, `extensions.persistedQuery.version must be 1, got ${JSON.stringify(version ?? null).slice(0, 40)}.`);
  }
  // Without a usable id, Apollo would answer PERSISTED_QUERY_NOT_SUPPORTED (persisted queries are off for it), which is
  // not one of our codes and not true: say what the id must be.
  const hash = (pq as { sha256Hash?: unknown }).sha256Hash;
  if (typeof hash !== 'string' || hash.length === 0) {
    throw refusal(ErrorCode.BAD_REQUEST, 'extensions.persistedQuery.sha256Hash must be the id of a persisted operation: { "version": 1, "sha256Hash": "<id>" }.');
  }
  return hash;
}

function refusal(code: ErrorCode, message: string): BankError {
  return new BankError(code, message, { extensions: { http: { status: HTTP_STATUS[code] } } });
}
