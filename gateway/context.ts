import type { Principal } from '../lib/principal.js';

/**
 * What the gateway knows about one request. The HTTP layer creates the record before Apollo sees the request and
 * logs it when the response is finished; plugins fill it in on the way (operation name, error codes, principal).
 */
export interface RequestRecord {
  readonly requestId: string;
  readonly startedAt: bigint;
  principal?: Principal;
  operationName?: string | null;
  /** `extensions.code` of every error in the response, as the client saw it (after masking). */
  errorCodes: string[];
}

/** The Apollo context of one GraphQL request: only ever built for an authenticated caller. */
export interface GatewayContext {
  readonly requestId: string;
  readonly principal: Principal;
  readonly record: RequestRecord;
}
