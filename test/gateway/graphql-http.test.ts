import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, cards } from './fixtures.js';
import { startStack, tokenFor, type Stack } from './helpers.js';

/**
 * graphql-http's server audits (the GraphQL-over-HTTP spec's test suite) against the gateway, as graphql-yoga runs
 * them: every MUST passes. Each audit request carries a valid bearer token (the gateway answers nothing without one).
 *
 * The SHOULDs the gateway does not meet, on purpose, are listed in KNOWN_SHOULD_FAILURES; a new one fails the test:
 * - "SHOULD use 200 status code on document parsing / validation / variable coercion failure when accepting
 *   application/json": Apollo Server answers these with 400, and bankgraph documents "bad requests get a 400 with a
 *   clear message" (README "What the graph guarantees"). Clients that ask for application/graphql-response+json get
 *   the 4xx the spec requires there, so nothing depends on the 200.
 * The MAYs not offered (notices, not failures): GET requests with form-urlencoded content type or with `variables`
 * in the URL, which Apollo's CSRF prevention refuses unless the request carries a preflight-forcing header.
 */
const KNOWN_SHOULD_FAILURES = [
  'SHOULD use 200 status code on document parsing failure when accepting application/json',
  'SHOULD use 200 status code on document validation failure when accepting application/json',
  'SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
];

let stack: Stack;
let token: string;
beforeAll(async () => {
  [stack, token] = await Promise.all([
    // No rate limit: the audits send about sixty requests at once from one caller.
    startStack({ fixtures: [accounts, cards], gateway: { rateLimit: false } }),
    tokenFor({ customer: 'cust-0001' }),
  ]);
});
afterAll(() => stack?.stop());

const withToken: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

describe('graphql-http server audits', () => {
  for (const audit of serverAudits({ url: () => stack.gateway.url, fetchFn: withToken })) {
    const level = audit.name.split(' ')[0];
    it(audit.name, async () => {
      const result = await audit.fn();
      const reason = result.status === 'ok' ? '' : result.reason;
      if (level === 'MUST') expect(result.status, reason).toBe('ok');
      if (level === 'SHOULD' && !KNOWN_SHOULD_FAILURES.includes(audit.name)) expect(result.status, reason).toBe('ok');
    });
  }
});
