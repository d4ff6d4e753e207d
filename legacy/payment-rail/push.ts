import { XML_CONTENT_TYPE } from './xml.js';

/**
 * The rail's asynchronous reports: each pacs.002 / pacs.004 POSTed to the bank's endpoint, retried with back-off
 * (as a rail does) until the bank answers 2xx or the attempts are spent. Order is not promised, like on a real rail:
 * a bank reads the status in each report, and asks with pacs.028 when in doubt. With a token, each POST carries
 * `Authorization: Bearer <token>`: the shared secret the bank's endpoint checks (ISO 20022 leaves transport security
 * to the rail; rails use a shared secret, mTLS, or both).
 */

const DELAYS_MS = [50, 200, 800, 3200];

export class ReportPusher {
  /** Reports delivered (2xx) and given up, for tests and /__sandbox views. */
  delivered = 0;
  failed = 0;

  /** `url` may be a function: an endpoint known only once the bank is listening (a test's port 0); undefined = none yet. */
  constructor(
    private readonly url: string | (() => string | undefined),
    private readonly token?: string,
  ) {}

  push(xml: string): void {
    void this.deliver(xml, 0);
  }

  private async deliver(xml: string, attempt: number): Promise<void> {
    try {
      const url = typeof this.url === 'string' ? this.url : this.url();
      if (url === undefined) throw new Error('no endpoint yet');
      const headers: Record<string, string> = { 'content-type': XML_CONTENT_TYPE, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) };
      const res = await fetch(url, { method: 'POST', headers, body: xml, signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) {
        this.delivered += 1;
        return;
      }
    } catch {
      // unreachable, reset or slow: try again later
    }
    const delay = DELAYS_MS[attempt];
    if (delay === undefined) {
      this.failed += 1;
      return;
    }
    setTimeout(() => void this.deliver(xml, attempt + 1), delay).unref();
  }
}
