import { randomUUID } from 'node:crypto';

/**
 * Request id: the client's `x-request-id` when it is a sane token, else a new UUID. It is returned on every response
 * (GraphQL or not), written in every log line about the request, put in masked errors, and carried to subgraphs in
 * the signed context, so one id follows a request through every process.
 */

export const REQUEST_ID_HEADER = 'x-request-id';

/** At most 64 characters of [A-Za-z0-9._-]: safe in logs and headers, enough for UUIDs and trace ids. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && SANE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}
