/**
 * The outcome label of a GraphQL request, one small fixed set for the gateway and the subgraphs alike:
 *  - `ok`: answered without errors;
 *  - `partial`: data with errors (a legacy system down costs its fields, the rest is served);
 *  - `error`: errors and no data, or a 5xx;
 *  - `rejected`: refused before execution with a 4xx (authentication, limits, rate limits, invalid documents).
 */
export type RequestOutcome = 'ok' | 'partial' | 'error' | 'rejected';

export function outcomeOf(status: number, errors: number, hasData: boolean): RequestOutcome {
  if (status >= 500) return 'error';
  if (status >= 400) return 'rejected';
  if (errors === 0) return 'ok';
  return hasData ? 'partial' : 'error';
}
