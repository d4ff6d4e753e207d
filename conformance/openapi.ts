import { Ajv2020, type Options as AjvOptions } from 'ajv/dist/2020.js';
import { OpenAPIBackend, type AjvCustomizer, type Document, type Operation } from 'openapi-backend';
import { convertObj } from 'swagger2openapi';
import { parse as parseYaml } from 'yaml';
import { callOf, type Exchange, type Violation } from './exchange.js';
import { repoSpec, vendorSpec } from './specs.js';

/**
 * An exchange checked against a vendor's published OpenAPI document (Onfido's OpenAPI 3, Marqeta's Swagger 2.0
 * converted to OpenAPI 3 by swagger2openapi), with openapi-backend: the operation is found by method and path under
 * the API's root; the request's parameters and body are validated against that operation, the response's body
 * against the schema of its status (or the `default` answer); the credentials against the spec's security scheme.
 * Validation is by ajv (through openapi-backend), never by code of ours that could agree with our connector.
 *
 * OpenAPI 3.1 documents (ours, schema/legacy-apis/) are read as 3.1 says: their schemas are JSON Schema 2020-12, so
 * they are compiled by ajv's 2020-12 validator (`type: [string, 'null']`, `const`, `if`/`then`), where 3.0's are
 * compiled by ajv's default (draft-07). openapi-backend routes and validates 3.1 documents; its own check of a
 * document (openapi-schema-validator) knows only 3.0, which `quick: true` skips for every document alike.
 */

export interface OpenApiCheckerOptions {
  readonly system: string;
  /**
   * Where the document is: `file` in the vendor specs folder (a vendor's published document), or `path` in this
   * repository, relative to its root (a document of our own, e.g. "schema/legacy-apis/notifier.openapi.yaml").
   */
  readonly file?: string;
  readonly path?: string;
  /** The path every operation is under ("/v3", "/v3.6"). */
  readonly apiRoot: string;
  /**
   * The credentials every call must carry, for a document that does not declare them (Marqeta's swagger has no
   * securityDefinitions; its documentation says HTTP Basic, application token and admin access token): a message
   * when the headers lack them. Otherwise the document's security schemes are checked.
   */
  readonly credentials?: (headers: Readonly<Record<string, string>>) => string | undefined;
}

type Headers = Readonly<Record<string, string>>;

interface SecurityScheme {
  readonly type?: string;
  readonly scheme?: string;
  readonly in?: string;
  readonly name?: string;
}

export class OpenApiChecker {
  private constructor(
    private readonly options: OpenApiCheckerOptions,
    private readonly api: OpenAPIBackend,
    private readonly document: Document,
  ) {}

  static async load(options: OpenApiCheckerOptions): Promise<OpenApiChecker> {
    const { file, path } = options;
    if ((file === undefined) === (path === undefined)) throw new Error(`${options.system}: give the document's file (vendor specs) or path (repository), one of them`);
    const name = (file ?? path) as string;
    const text = file !== undefined ? vendorSpec(file) : repoSpec(path as string);
    const parsed = (name.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
    const converted = typeof parsed.swagger === 'string' ? (await convertObj(parsed, { patch: true, warnOnly: true })).openapi : parsed;
    const document = numericExclusiveBounds(converted) as unknown as Document;
    const dialect2020 = typeof parsed.openapi === 'string' && parsed.openapi.startsWith('3.1.');
    const api = new OpenAPIBackend({
      definition: document,
      apiRoot: options.apiRoot,
      // The vendors' documents have small liberties (unknown formats, examples): check what they say, do not lint them.
      // quick: no validation of the document itself at start (Marqeta's converted swagger has draft-4 leftovers
      // that a strict OpenAPI 3 check rejects, and that check takes most of a minute); requests and responses are
      // still validated against the operations' schemas.
      strict: false,
      validate: true,
      quick: true,
      ajvOpts: { strict: false, allErrors: true, validateFormats: false },
      // openapi-backend hands over its default (draft-07) ajv and its options: for 3.1, the same options on 2020-12.
      ...(dialect2020 ? { customizeAjv: draft2020 } : {}),
    });
    await api.init();
    return new OpenApiChecker(options, api, api.definition);
  }

  /** Every way the exchange breaks the document; empty when it follows it. */
  check(exchange: Exchange): Violation[] {
    const call = callOf(exchange);
    const violation = (part: Violation['part'], message: string): Violation => ({ system: this.options.system, call, part, message });
    const url = new URL(exchange.url, 'http://vendor.invalid');
    const headers = lowerCase(exchange.requestHeaders);
    const request = {
      method: exchange.method.toLowerCase(),
      path: url.pathname,
      headers,
      query: Object.fromEntries([...url.searchParams.keys()].map((k) => [k, url.searchParams.getAll(k).length > 1 ? url.searchParams.getAll(k) : (url.searchParams.get(k) as string)])),
      ...(exchange.requestBody ? { body: jsonOr(exchange.requestBody) } : {}),
    };
    const operation = this.api.matchOperation(request);
    if (!operation) return [violation('route', `the ${this.options.system} API has no operation ${exchange.method} ${url.pathname}`)];
    const out: Violation[] = [];
    const credentials = this.options.credentials ? [this.options.credentials(headers)].filter((m): m is string => m !== undefined) : this.checkSecurity(operation, headers);
    out.push(...credentials.map((m) => violation('auth', m)));
    const req = this.api.validateRequest(request, operation);
    for (const e of req.errors ?? []) out.push(violation('request', `${operation.operationId ?? call}: ${e.instancePath || '(request)'} ${e.message ?? ''}`.trim()));
    if (exchange.status >= 200 && exchange.status < 600) {
      const body = exchange.responseBody ? jsonOr(exchange.responseBody) : undefined;
      const responses = (operation.responses ?? {}) as Record<string, unknown>;
      if (!responses[String(exchange.status)] && !responses[`${String(exchange.status)[0]}XX`] && !responses.default) {
        out.push(violation('response', `${operation.operationId ?? call}: status ${exchange.status} is not one the operation answers (${Object.keys(responses).join(', ')})`));
      } else if (body !== undefined) {
        const res = this.api.validateResponse(body, operation, exchange.status);
        for (const e of res.errors ?? []) out.push(violation('response', `${operation.operationId ?? call} ${exchange.status}: ${e.instancePath || '(body)'} ${e.message ?? ''}`.trim()));
      }
    }
    return out;
  }

  /** The credentials the operation (or the document) asks for: HTTP Basic, a bearer/token header, an API key. */
  private checkSecurity(operation: Operation, headers: Headers): string[] {
    const requirements = (operation.security ?? (this.document as { security?: Record<string, unknown>[] }).security ?? []) as Record<string, unknown>[];
    if (requirements.length === 0) return [];
    const schemes = ((this.document as { components?: { securitySchemes?: Record<string, SecurityScheme> } }).components?.securitySchemes ?? {}) as Record<string, SecurityScheme>;
    const satisfied = requirements.some((requirement) =>
      Object.keys(requirement).every((name) => {
        const scheme = schemes[name];
        if (!scheme) return false;
        if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'basic') return /^Basic [A-Za-z0-9+/=]+$/.test(headers.authorization ?? '');
        if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer') return /^Bearer \S+$/.test(headers.authorization ?? '');
        if (scheme.type === 'apiKey' && scheme.in === 'header' && scheme.name) return (headers[scheme.name.toLowerCase()] ?? '') !== '';
        return false;
      }),
    );
    return satisfied ? [] : [`the request does not carry the credentials the operation asks for (${requirements.map((r) => Object.keys(r).join('+')).join(' or ')})`];
  }
}

/**
 * openapi-backend's hook, typed for its default (draft-07) Ajv class; Ajv2020 has the same compile/validate API
 * (both extend ajv's core), which is all openapi-backend calls, hence the cast.
 */
const draft2020: AjvCustomizer = (_draft07, ajvOpts) => new Ajv2020(ajvOpts as AjvOptions) as unknown as ReturnType<AjvCustomizer>;

/**
 * OpenAPI 3.0 (and Swagger 2.0) write JSON Schema draft 4's `exclusiveMinimum: true` beside `minimum`; ajv, which
 * openapi-backend validates with, reads the numeric form of later drafts and refuses the boolean one at compile
 * time. The same bound, rewritten: `{minimum: 0, exclusiveMinimum: true}` -> `{exclusiveMinimum: 0}`.
 */
export function numericExclusiveBounds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(numericExclusiveBounds);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) out[k] = numericExclusiveBounds(v);
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else {
      delete out[flag];
    }
  }
  return out;
}

function lowerCase(headers: Headers): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function jsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
