import type { Principal } from '../lib/principal.js';
import type { Authenticated } from './plugins/authentication.js';
import type { PartnerRequest } from './plugins/partner-access.js';
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
  /**
   * Who is asking. A partner bound to a consent starts without it (consent null) and gets it from plugins/consent.ts
   * once the operation is admitted, before anything executes: the one place this is written after the context is built.
   */
  principal: Principal;
  /** The consent still to be asked for (plugins/consent.ts), for a partner whose token is bound to one. */
  pendingConsent?: { readonly authenticated: Authenticated; readonly request: PartnerRequest } | undefined;
  readonly record: RequestRecord;
  /** The persisted operation this request runs, when it sent an id (plugins/persisted-operations.ts). */
  readonly persisted?: PersistedDocument;
}
