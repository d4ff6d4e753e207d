import { createHmac } from 'node:crypto';

/**
 * Onfido's webhooks, as it sends them: a POST of `{"payload": {resource_type, action, object: {id, status,
 * completed_at_iso8601, href}}}` to the registered URL, signed with `X-SHA2-Signature`: the hex HMAC-SHA256 of the
 * raw body, keyed with the webhook's token. An answer other than 2xx (or none) is tried again with a doubling
 * back-off, up to `maxAttempts` in all; the order of events is not guaranteed (a retried check.started may arrive
 * after check.completed), which is why a receiver reads the check again rather than trusting the event's order.
 * (The OpenAPI document's webhook_event_payload lists `event` and `resource_id` as required though it defines
 * neither; Onfido's documented bodies carry neither, and neither does this.)
 */

export interface WebhookOptions {
  /** The registered URL; a function when it is known only later (a test's journeys on port 0): none yet is a failed try. */
  readonly url: string | (() => string | undefined);
  readonly token: string;
  /** @default 5 */
  readonly maxAttempts?: number;
  /** The first wait before a retry, doubled each time. @default 1000 */
  readonly baseDelayMs?: number;
  /** Each attempt's timeout. @default 5000 */
  readonly timeoutMs?: number;
}

export interface WebhookDelivery {
  readonly action: string;
  readonly objectId: string;
  readonly attempts: number;
  readonly delivered: boolean;
  readonly lastStatus: number | null;
}

export type WebhookResourceType = 'check' | 'report';
export type WebhookAction = 'check.started' | 'check.completed' | 'check.withdrawn' | 'check.reopened' | 'report.completed' | 'report.withdrawn';

export function webhookSignature(token: string, rawBody: string): string {
  return createHmac('sha256', token).update(rawBody).digest('hex');
}

/** Sends events, retrying each on its own timers (unref'd: a pending retry never keeps the process alive). */
export class WebhookSender {
  private readonly deliveries: WebhookDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: WebhookOptions) {}

  /** What was sent so far (newest last), for the simulator's /__webhooks admin route. */
  history(): readonly WebhookDelivery[] {
    return this.deliveries;
  }

  send(resourceType: WebhookResourceType, action: WebhookAction, object: { id: string; status: string; completed_at_iso8601?: string; href: string }): void {
    const body = JSON.stringify({ payload: { resource_type: resourceType, action, object } });
    const signature = webhookSignature(this.options.token, body);
    const maxAttempts = this.options.maxAttempts ?? 5;
    const baseDelayMs = this.options.baseDelayMs ?? 1000;
    const attempt = async (n: number): Promise<void> => {
      if (this.closed) return;
      let status: number | null = null;
      const url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
      try {
        if (url === undefined) throw new Error('no webhook URL yet');
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sha2-signature': signature, 'user-agent': 'Onfido-Webhooks' },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = null;
      }
      const delivered = status !== null && status >= 200 && status < 300;
      if (delivered || n >= maxAttempts) {
        this.deliveries.push({ action, objectId: object.id, attempts: n, delivered, lastStatus: status });
        return;
      }
      this.later(baseDelayMs * 2 ** (n - 1), () => attempt(n + 1));
    };
    this.later(0, () => attempt(1));
  }

  /** Runs `fn` after `ms` unless closed first. */
  later(ms: number, fn: () => unknown): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
