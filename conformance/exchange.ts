/** One request to a legacy system and its answer, as recorded on the wire. */
export interface Exchange {
  /** The legacy system ("card-processor"). */
  readonly system: string;
  readonly method: string;
  /** Path and query as sent, e.g. "/v3/cards?user_token=u1". */
  readonly url: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly requestBody: string;
  readonly status: number;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly responseBody: string;
}

/** What is wrong with one exchange against its vendor's specification. */
export interface Violation {
  readonly system: string;
  /** "GET /v3/cards" */
  readonly call: string;
  /** Which part breaks it: request, response, route, auth, body. */
  readonly part: 'route' | 'request' | 'response' | 'auth' | 'message';
  readonly message: string;
}

export function callOf(exchange: Pick<Exchange, 'method' | 'url'>): string {
  return `${exchange.method} ${exchange.url.replace(/\?.*$/, '')}`;
}
