import { compilePattern, type SimRequest, type SimResponse } from '../http.js';
import { FineractFailure } from './dialect.js';

/**
 * The core banking system's own route table (paths relative to /fineract-provider/api/v1). The simulator serves
 * these over HTTP, and POST /batches dispatches its sub-requests to the very same handlers in process.
 */

export type Handler = (req: SimRequest) => SimResponse;

interface Entry {
  readonly method: string;
  readonly pattern: string;
  readonly regex: RegExp;
  readonly keys: readonly string[];
  readonly handler: Handler;
}

export interface Match {
  readonly pattern: string;
  readonly params: Record<string, string>;
  readonly handler: Handler;
}

export class RouteTable {
  private readonly entries: Entry[] = [];

  /** Adds a route; more specific patterns must come first (as in the HTTP simulator). */
  add(method: string, pattern: string, handler: Handler): this {
    this.entries.push({ method: method.toUpperCase(), pattern, ...compilePattern(pattern), handler: guard(handler) });
    return this;
  }

  list(): readonly { method: string; pattern: string; handler: Handler }[] {
    return this.entries;
  }

  /** The route for a path relative to the API root, or undefined (also for a path that does not decode). */
  match(method: string, path: string): Match | undefined {
    for (const e of this.entries) {
      if (e.method !== method.toUpperCase()) continue;
      const m = e.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      try {
        e.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      } catch {
        return undefined;
      }
      return { pattern: e.pattern, params, handler: e.handler };
    }
    return undefined;
  }
}

/** Turns a FineractFailure thrown anywhere in a handler into its response. */
function guard(handler: Handler): Handler {
  return (req) => {
    try {
      return handler(req);
    } catch (err) {
      if (err instanceof FineractFailure) return err.response;
      throw err;
    }
  };
}

/** A numeric path id (Fineract ids are longs); anything else is a 404 as Jersey would answer. */
export function numericId(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9]\d{0,15}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
