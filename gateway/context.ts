import type { Principal } from '../lib/principal.js';
import type { PersistedDocument } from './plugins/persisted-operations.js';

/**
 * What the gateway knows about one request. The HTTP layer creates the record before Apollo sees the request and
 * logs it when the response is finished; plugins fill it in on the way (operation name, error codes, principal).
 */
export interface RequestRecord {
  readonly requestId: string;
  readonly startedAt: bigint;
  principal?: Principal;
  /** The client's address as the socket saw it (the load balancer's, behind one): for the audit log. */
  readonly clientAddress?: string;
  operationName?: string | null;
  /** `extensions.code` of every error in the response, as the client saw it (after masking). */
  errorCodes: string[];
}

/** The Apollo context of one GraphQL request: only ever built for an authenticated caller. */
export interface GatewayContext {
  readonly requestId: string;
  readonly principal: Principal;
  readonly record: RequestRecord;
  /** The persisted operation this request runs, when it sent an id (plugins/persisted-operations.ts). */
  readonly persisted?: PersistedDocument;
}
