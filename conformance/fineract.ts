import { callOf, type Exchange, type Violation } from './exchange.js';
import { SPEC_FILES, vendorSpec } from './specs.js';

/**
 * An exchange checked against Apache Fineract's API as its source defines it (Fineract publishes no specification
 * file): `fineract-api-facts.json`, extracted from apache/fineract's *ApiResource.java, CommandStrategyProvider.java
 * and the request-parameter constants. What it holds, this checks:
 *   - the route exists for that method (and its `?command=` is one the route takes);
 *   - the call carries HTTP Basic credentials and the `Fineract-Platform-TenantId` header;
 *   - a command body has only the parameters Fineract's validator accepts (it answers 400 to any other);
 *   - `POST /batches` runs only the relative URLs CommandStrategyProvider lists (others answer 501), each part's
 *     body held to the same parameter lists;
 *   - the savings-transaction search answers Fineract's `{total, content}`.
 */

interface Route {
  readonly method: string;
  readonly template: string;
  readonly regex: string;
  readonly commands?: readonly string[];
}
interface BatchUrl {
  readonly method: string;
  readonly pattern: string;
}
interface CommandBody {
  readonly method: string;
  readonly path: string;
  readonly command: string | null;
  readonly parameters: readonly string[];
}
interface Facts {
  readonly commit: string;
  readonly routes: readonly Route[];
  readonly batch: readonly BatchUrl[];
  readonly commandBodies: readonly CommandBody[];
  readonly searchResponseFields: readonly string[];
}

/** Where every Fineract route lives. */
export const FINERACT_PREFIX = '/fineract-provider/api/v1';

export class FineractChecker {
  private readonly routes: readonly (Route & { readonly re: RegExp })[];
  private readonly batchUrls: readonly (BatchUrl & { readonly re: RegExp })[];
  private readonly bodies: readonly (CommandBody & { readonly re: RegExp })[];
  readonly commit: string;
  private readonly searchFields: readonly string[];

  constructor(facts: Facts = JSON.parse(vendorSpec(SPEC_FILES.fineract)) as Facts) {
    this.commit = facts.commit;
    this.routes = facts.routes.map((r) => ({ ...r, re: new RegExp(r.regex) }));
    this.batchUrls = facts.batch.map((b) => ({ ...b, re: new RegExp(`^${b.pattern}$`) }));
    this.bodies = facts.commandBodies.map((b) => ({ ...b, re: templateRegex(b.path) }));
    this.searchFields = facts.searchResponseFields;
  }

  check(exchange: Exchange): Violation[] {
    const call = callOf(exchange);
    const violation = (part: Violation['part'], message: string): Violation => ({ system: exchange.system, call, part, message });
    const url = new URL(exchange.url, 'http://fineract.invalid');
    const out: Violation[] = [];
    const headers = Object.fromEntries(Object.entries(exchange.requestHeaders).map(([k, v]) => [k.toLowerCase(), v]));
    if (!/^Basic [A-Za-z0-9+/=]+$/.test(headers.authorization ?? '')) out.push(violation('auth', 'Fineract wants HTTP Basic credentials'));
    if (!headers['fineract-platform-tenantid']) out.push(violation('auth', 'Fineract wants the Fineract-Platform-TenantId header'));

    const route = this.routes.find((r) => r.method === exchange.method && r.re.test(url.pathname));
    if (!route) return [...out, violation('route', `Fineract has no route ${exchange.method} ${url.pathname}`)];
    const command = url.searchParams.get('command');
    if (command !== null && route.commands && !route.commands.includes(command)) {
      out.push(violation('route', `${route.template} takes the commands ${route.commands.join(', ')}, not "${command}"`));
    }
    const relative = url.pathname.slice(FINERACT_PREFIX.length) || '/';
    out.push(...this.checkBody(exchange.method, relative, command, exchange.requestBody).map((m) => violation('request', m)));

    if (route.template === `${FINERACT_PREFIX}/batches`) out.push(...this.checkBatch(exchange.requestBody).map((m) => violation('request', m)));
    if (route.template.endsWith('/transactions/search') && exchange.status === 200) {
      out.push(...this.checkSearchAnswer(exchange.responseBody).map((m) => violation('response', m)));
    }
    return out;
  }

  /** A command body's parameters against the ones Fineract accepts for that path and command. */
  private checkBody(method: string, path: string, command: string | null, body: string): string[] {
    const spec = this.bodies.find((b) => b.method === method && b.re.test(path) && b.command === command);
    if (!spec || !body) return [];
    const parsed = jsonObject(body);
    if (!parsed) return [`the body of ${method} ${path} is not a JSON object`];
    const unknown = Object.keys(parsed).filter((k) => !spec.parameters.includes(k));
    return unknown.length ? [`${method} ${path}${command ? `?command=${command}` : ''} does not accept ${unknown.join(', ')} (Fineract answers 400; accepted: ${spec.parameters.join(', ')})`] : [];
  }

  private checkBatch(body: string): string[] {
    let parts: unknown;
    try {
      parts = JSON.parse(body);
    } catch {
      return ['the batch is not JSON'];
    }
    if (!Array.isArray(parts)) return ['a batch is a JSON array of requests'];
    const out: string[] = [];
    for (const part of parts as Record<string, unknown>[]) {
      const method = String(part.method ?? '');
      const relativeUrl = String(part.relativeUrl ?? '');
      if (typeof part.requestId !== 'number') out.push(`batch part ${relativeUrl}: requestId must be a number`);
      if (!this.batchUrls.some((b) => b.method === method && b.re.test(relativeUrl))) {
        out.push(`batch part ${method} ${relativeUrl}: not a relative URL CommandStrategyProvider runs (Fineract answers 501)`);
        continue;
      }
      const [path = '', query = ''] = relativeUrl.replace(/^v1/, '').split('?');
      const command = new URLSearchParams(query).get('command');
      if (typeof part.body === 'string') out.push(...this.checkBody(method, path, command, part.body).map((m) => `batch part: ${m}`));
    }
    return out;
  }

  private checkSearchAnswer(body: string): string[] {
    const parsed = jsonObject(body);
    if (!parsed) return ['the transaction search answer is not a JSON object'];
    const missing = this.searchFields.filter((f) => !(f in parsed));
    const extra = Object.keys(parsed).filter((k) => !this.searchFields.includes(k));
    return [
      ...(missing.length ? [`the transaction search answers ${this.searchFields.join(', ')}; missing ${missing.join(', ')}`] : []),
      ...(extra.length ? [`the transaction search answer has fields Fineract's does not: ${extra.join(', ')}`] : []),
    ];
  }
}

function templateRegex(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
