// Talking to the gateway: the console's GraphQL documents, one operation per POST to /graphql, one subscription per
// stream from /graphql/stream, the sandbox login, and what went wrong as a message and a code. Every call carries the
// signed-in person's bearer token and no cookie; the server decides what they may do.

import { sseParser } from './sse.js';

/** Who is signed in: the token sent with every call, and the staff id it names (to say "(you)"). */
export const session = { token: null, staffId: null };

/** A refusal or failure, with the server's message and code (or one of the console's own: NETWORK_ERROR, ...). */
export class GraphQLFailure extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

let operationsLoaded = null;
let unauthenticated = () => {};

/** What to do when the gateway refuses the token (UNAUTHENTICATED): the page signs the person out. */
export function onUnauthenticated(handler) {
  unauthenticated = handler;
}

async function documentOf(operationName) {
  if (!operationsLoaded) {
    const res = await fetch('/console/operations.json', { credentials: 'omit', cache: 'no-store' });
    if (!res.ok) throw new GraphQLFailure(`The console's documents could not be loaded (HTTP ${res.status}).`, 'CONSOLE_UNAVAILABLE');
    operationsLoaded = await res.json();
  }
  const query = operationsLoaded[operationName];
  if (!query) throw new GraphQLFailure(`The console has no operation ${operationName}.`, 'CONSOLE_BUG');
  return query;
}

function headers(accept) {
  return { 'content-type': 'application/json', accept, authorization: `Bearer ${session.token}` };
}

/** The first error of a GraphQL answer as a GraphQLFailure (signing out on UNAUTHENTICATED), or undefined. */
function failureOf(body, status) {
  const error = body?.errors?.[0];
  if (!error) return undefined;
  const code = error.extensions?.code ?? `HTTP_${status}`;
  if (code === 'UNAUTHENTICATED') unauthenticated('Your token was refused: sign in again.', code);
  return new GraphQLFailure(error.message, code);
}

/** Runs one of the console's queries or mutations; throws GraphQLFailure with the server's first message and code. */
export async function graphql(operationName, variables) {
  const query = await documentOf(operationName);
  let res;
  try {
    res = await fetch('/graphql', { method: 'POST', credentials: 'omit', headers: headers('application/json'), body: JSON.stringify({ operationName, query, variables }) });
  } catch {
    throw new GraphQLFailure('The gateway cannot be reached.', 'NETWORK_ERROR');
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new GraphQLFailure(`The gateway answered HTTP ${res.status} without a GraphQL response.`, `HTTP_${res.status}`);
  }
  const failure = failureOf(body, res.status);
  if (failure) throw failure;
  return body.data;
}

/**
 * Runs one of the console's subscriptions over GraphQL over Server-Sent Events (graphql-sse, distinct connections
 * mode: one POST, one stream), calling `onNext(data)` for each result. fetch, not EventSource: EventSource cannot
 * send the Authorization header. Resolves with how the stream ended: 'aborted' (the page closed it through `signal`),
 * 'complete' (the server said so) or 'ended' (the connection closed without `complete`). Throws GraphQLFailure when
 * the stream cannot be opened, breaks off, or its result is an error (then the server completes it anyway).
 * It never opens the stream again itself: the caller decides what follows.
 */
export async function subscribe(operationName, variables, { signal, onNext }) {
  const query = await documentOf(operationName);
  let res;
  try {
    res = await fetch('/graphql/stream', {
      method: 'POST',
      credentials: 'omit',
      cache: 'no-store',
      signal,
      headers: headers('text/event-stream'),
      body: JSON.stringify({ operationName, query, variables }),
    });
  } catch {
    if (signal.aborted) return 'aborted';
    throw new GraphQLFailure('The live stream could not be opened: the gateway cannot be reached.', 'NETWORK_ERROR');
  }
  if (!res.ok || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream') || !res.body) {
    // Refusals before any stream (401, 429, ...) come as JSON with a code.
    const body = await res.json().catch(() => undefined);
    throw failureOf(body, res.status) ?? new GraphQLFailure(`The live stream was refused: HTTP ${res.status}.`, `HTTP_${res.status}`);
  }
  let completed = false;
  const parser = sseParser(({ event, data }) => {
    if (event === 'complete') completed = true;
    if (event !== 'next') return;
    let result;
    try {
      result = JSON.parse(data);
    } catch {
      throw new GraphQLFailure('The live stream sent something that is not JSON.', 'STREAM_ERROR');
    }
    const failure = failureOf(result, res.status);
    if (failure) throw failure;
    onNext(result.data);
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!completed) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
    }
  } catch (err) {
    if (signal.aborted) return 'aborted';
    if (err instanceof GraphQLFailure) throw err;
    throw new GraphQLFailure('The live stream broke off.', 'STREAM_ERROR');
  } finally {
    reader.cancel().catch(() => {});
  }
  if (signal.aborted) return 'aborted';
  return completed ? 'complete' : 'ended';
}

/** A sandbox operations token for `staffId` (POST /console/sandbox-login: the sandbox only). */
export async function sandboxToken(staffId) {
  const res = await fetch('/console/sandbox-login', {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || typeof body.token !== 'string') {
    const error = body.errors?.[0];
    throw new GraphQLFailure(error?.message ?? `The sandbox login answered HTTP ${res.status}.`, error?.extensions?.code ?? `HTTP_${res.status}`);
  }
  return body.token;
}
