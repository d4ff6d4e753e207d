import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type RunningGateway } from '../../gateway/server.js';
import { MemoryAuditSink } from '../../lib/audit.js';
import { authConfig } from '../../lib/config.js';
import { toDecimalString } from '../../lib/money.js';
import { RedisStore } from '../../lib/store/index.js';
import { deleteKeys } from '../journeys/engine/fixtures.js';
import { eventually, paymentInput, railBook, settled, stepStatuses } from '../journeys/support.js';
import { journeyOperation } from '../support/operations.js';
import { requireRedis, uniquePrefix } from '../support/redis.js';
import { freePort } from '../support/redis-server.js';
import { startStack, type GraphQLAnswer, type Stack } from '../support/stack.js';
import { legacyKeyOf } from '../../connectors/core-banking/index.js';

/**
 * Horizontal scale on ONE Redis: two gateways and two journey workers, as a deployment runs them.
 *   - worker A: the journeys subgraph as its own process (subgraphs/journeys/index.ts), so that it can be SIGKILLed;
 *   - worker B: the journeys subgraph of startStack (in this process), with the simulators and the other subgraphs;
 *   - gateway A routes journeys to worker A, gateway B to worker B; both keep rate limits in Redis (and ask their
 *     journeys worker for partner consents, which live in the same Redis).
 * Only Redis is shared: every store is its own connection, as separate processes would have. Worker A dies twice:
 * SIGKILLed (B takes over once A's lease runs out), then, replaced on the same port, stopped with SIGTERM (it hands
 * its journey back, and B resumes it at once although the lease had a minute left).
 */

const SEND = journeyOperation('SendInternationalPayment');
const SUPERGRAPH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
const ME_BUDGET = 6;

describe('two gateways and two journey workers on one Redis', () => {
  let redisUrl: string;
  let prefix: string;
  let stack: Stack;
  /** Worker A's port: a replacement process listens on the same one, behind the same gateway A. */
  let portA: number;
  let workerA: ChildProcess;
  const gateways: RunningGateway[] = [];
  const stores: RedisStore[] = [];

  beforeAll(async () => {
    redisUrl = await requireRedis();
    prefix = uniquePrefix('horizontal');
    const store = () => {
      const s = new RedisStore(redisUrl, { prefix });
      stores.push(s);
      return s;
    };
    // Worker B, the simulators and the other subgraphs; BullMQ (REDIS_URL) shares background steps between workers.
    stack = await startStack({ store: store(), journeyEnv: { REDIS_URL: redisUrl, REDIS_PREFIX: prefix } });

    portA = await freePort();
    workerA = await startWorkerA({ JOURNEY_LEASE_MS: '600' });
    const workerAUrl = `http://127.0.0.1:${portA}/graphql`;

    const urls = Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s.url]));
    // A bucket of ME_BUDGET for the `me` field that never refills during the test; everything else unbounded here.
    const rateLimit = {
      enabled: true,
      customer: { capacity: 10_000, refillPerSecond: 10_000 },
      operations: { me: { capacity: ME_BUDGET, refillPerSecond: 0.001 } },
    };
    for (const journeys of [workerAUrl, stack.subgraphs.journeys.url]) {
      gateways.push(
        await createGateway({
          supergraphPath: SUPERGRAPH,
          subgraphUrls: { ...urls, journeys },
          port: 0,
          auth: authConfig({ NODE_ENV: 'test' }),
          store: store(),
          rateLimit,
          audit: new MemoryAuditSink(),
        }),
      );
    }
  }, 90_000);

  afterAll(async () => {
    workerA?.kill('SIGKILL');
    await Promise.all(gateways.map((g) => g.stop()));
    await stack?.stop();
    await Promise.all(stores.map((s) => s.close()));
    // BullMQ's keys are `{<prefix without its colon>}:...`.
    if (prefix) await deleteKeys(redisUrl, `*${prefix.slice(0, -1)}*`);
  });

  /** Worker A: subgraphs/journeys/index.ts as its own process, on portA, against the stack's simulators. */
  async function startWorkerA(extra: Record<string, string>): Promise<ChildProcess> {
    const sim = (s: keyof Stack['simulators']) => stack.simulators[s].running.url;
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../subgraphs/journeys/index.ts', import.meta.url))], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        HOST: '127.0.0.1',
        JOURNEYS_PORT: String(portA),
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        LEGACY_TIMEOUT_MS: '10000',
        CORE_BANKING_URL: sim('core-banking'),
        CARD_PROCESSOR_URL: sim('card-processor'),
        KYC_PROVIDER_URL: sim('kyc-provider'),
        FX_WALLET_URL: sim('fx-wallet'),
        PAYMENT_RAIL_URL: sim('payment-rail'),
        NOTIFIER_URL: sim('notifier'),
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (l) => {
        output.push(l);
        if (/listening on http/.test(l)) resolve();
      });
      createInterface({ input: child.stderr! }).on('line', (l) => output.push(l));
      child.once('exit', (code) => reject(new Error(`worker A exited early (${code}):\n${output.join('\n')}`)));
    });
    return child;
  }

  const exited = (child: ChildProcess) =>
    new Promise<number | null>((r) => (child.exitCode !== null || child.signalCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

  /** Waits until the journey with this key is inside its payout (read through worker B's engine). */
  function payingOut(idempotencyKey: string) {
    return eventually('worker A to be paying out', async () => {
      for (const id of await stack.journeys.store.setMembers('journeys:active')) {
        const r = await stack.journeys.engine.get(id);
        if (r?.idempotencyKey === idempotencyKey && stepStatuses(r).payOut === 'RUNNING') return r;
      }
      return undefined;
    });
  }

  async function post(gateway: RunningGateway, query: string, variables: Record<string, unknown>, token: string): Promise<GraphQLAnswer> {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLAnswer['body'] };
  }

  it('enforces one rate limit across both gateways: exactly the budget passes', async () => {
    const token = await stack.customerToken('cust-0003');
    const replies = await Promise.all(
      Array.from({ length: 3 * ME_BUDGET }, (_, i) => post(gateways[i % 2]!, 'query Me { me { id } }', {}, token)),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(ME_BUDGET);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(2 * ME_BUDGET);
    // Both gateways refused some: the budget is shared, not split or doubled.
    expect(replies.some((r, i) => i % 2 === 0 && r.status === 429)).toBe(true);
    expect(replies.some((r, i) => i % 2 === 1 && r.status === 429)).toBe(true);
  });

  it('runs one journey for one idempotency key sent concurrently through both gateways: money moves once', async () => {
    const token = await stack.customerToken('cust-0001');
    const idempotencyKey = `horizontal-${Date.now()}`;
    const input = paymentInput({ amount: '6.00' });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post(gateways[i % 2]!, SEND, { idempotencyKey, input }, token)));
    for (const a of answers) expect(a.body.errors).toBeUndefined();
    const payloads = answers.map((a) => a.body.data?.sendInternationalPayment as { journey: { id: string }; endToEndId: string });
    const ids = new Set(payloads.map((p) => p.journey.id));
    expect(ids.size).toBe(1);
    const done = await settled(stack, [...ids][0]!);
    expect(done.status).toBe('COMPLETED');
    expect(done.steps.find((s) => s.name === 'debitSourceAccount')!.attempts).toHaveLength(1);
    // The simulators' own books: one withdrawal, one payout.
    const { items } = (await stack.journeys.deps.coreBanking.getTransactionPages([{ accountId: 'acc-5001', first: 100 }]))[0]!;
    expect(items.filter((t) => t.reference === legacyKeyOf(`${done.id}.debitSourceAccount`))).toHaveLength(1);
    expect((await railBook(stack, 'instant')).filter((p) => p.EndToEndId === payloads[0]!.endToEndId)).toHaveLength(1);
  }, 60_000);

  it('finishes on worker B a journey started through worker A after A is SIGKILLed, every effect once', async () => {
    const token = await stack.customerToken('cust-0001');
    const idempotencyKey = `horizontal-kill-${Date.now()}`;
    const input = paymentInput({ amount: '40.00', currency: 'USD', iban: 'GB82WEST12345698765432', country: 'GB', bic: 'NWBKGB2L' });
    // The payout hangs on the wire: worker A will die while it waits for the rail's answer.
    stack.fault('payment-rail', { route: 'POST /correspondent/pacs.008', latencyMs: 1_500 });
    const throughA = post(gateways[0]!, SEND, { idempotencyKey, input }, token).catch((err: unknown) => err);

    const journeys = stack.journeys.engine;
    const running = await payingOut(idempotencyKey);
    const ownerA = running.lease?.owner;
    expect(ownerA).toMatch(new RegExp(`:${workerA.pid}:`));
    workerA.kill('SIGKILL');
    await exited(workerA);
    expect((await journeys.get(running.id))?.status).toBe('RUNNING');
    await throughA; // gateway A answers with an error or RUNNING: its worker is gone

    stack.clearFaults();
    // The client retries through the other gateway with the same key: worker B takes the journey over once A's
    // lease has run out (600 ms), and finishes it.
    const retried = await post(gateways[1]!, SEND, { idempotencyKey, input }, token);
    expect(retried.body.errors).toBeUndefined();
    expect((retried.body.data?.sendInternationalPayment as { journey: { id: string } }).journey.id).toBe(running.id);
    const done = await settled(stack, running.id, 30_000);
    expect(done.status).toBe('COMPLETED');
    const workers = new Set(done.steps.flatMap((s) => s.attempts.map((a) => a.worker)));
    expect(workers.size).toBe(2);
    expect(workers.has(ownerA!)).toBe(true);

    // Exactly once, by the legacy systems' own books.
    const { items } = (await stack.journeys.deps.coreBanking.getTransactionPages([{ accountId: 'acc-5001', first: 100 }]))[0]!;
    const debits = items.filter((t) => t.reference === legacyKeyOf(`${running.id}.debitSourceAccount`));
    expect(debits).toHaveLength(1);
    expect(items.filter((t) => t.reference === legacyKeyOf(`${running.id}.debitSourceAccount.undo`))).toHaveLength(0);
    const conversion = await stack.journeys.deps.fxWallet.findConversion(`${running.id}.convertCurrency`);
    expect(conversion?.status).toBe('COMPLETED');
    expect(toDecimalString(conversion!.sell)).toBe(toDecimalString(debits[0]!.amount));
    const payoutId = (done.state.payOut as { endToEndId: string }).endToEndId;
    expect((await railBook(stack, 'correspondent')).filter((p) => p.EndToEndId === payoutId)).toEqual([
      expect.objectContaining({ Ccy: 'USD', value: '40.00', TxSts: 'ACSC' }),
    ]);
  }, 60_000);

  it('hands a running journey back when worker A stops on SIGTERM: worker B resumes it at once, not after the lease', async () => {
    // A replacement worker A with a lease of a minute: only a hand-back lets B take over within this test.
    workerA = await startWorkerA({ JOURNEY_LEASE_MS: '60000', JOURNEY_WAIT_MS: '300' });
    const token = await stack.customerToken('cust-0001');
    const idempotencyKey = `horizontal-term-${Date.now()}`;
    const input = paymentInput({ amount: '30.00', currency: 'USD', iban: 'GB82WEST12345698765432', country: 'GB', bic: 'NWBKGB2L' });
    stack.fault('payment-rail', { route: 'POST /correspondent/pacs.008', latencyMs: 3_000 });
    // Worker A answers RUNNING after 300 ms: no request is in flight when it is told to stop.
    const first = await post(gateways[0]!, SEND, { idempotencyKey, input }, token);
    expect(first.body.errors).toBeUndefined();
    const running = await payingOut(idempotencyKey);
    expect(running.lease?.expiresAt).toBeGreaterThan(Date.now() + 30_000);

    workerA.kill('SIGTERM');
    expect(await exited(workerA)).toBe(0);
    // A no longer holds a live lease: it made it expire on the way out (B's recovery sweep may already have taken
    // the journey, with a lease of its own). Without the hand-back, A's lease would have a minute left.
    const handedBack = (await stack.journeys.engine.get(running.id))!;
    const ownerA = running.lease!.owner;
    expect(handedBack.lease!.owner !== ownerA || handedBack.lease!.expiresAt <= Date.now()).toBe(true);

    stack.clearFaults();
    const retried = await post(gateways[1]!, SEND, { idempotencyKey, input }, token);
    expect(retried.body.errors).toBeUndefined();
    const done = await settled(stack, running.id, 30_000);
    expect(done.status).toBe('COMPLETED');
    expect(new Set(done.steps.flatMap((s) => s.attempts.map((a) => a.worker))).size).toBe(2);
    const { items } = (await stack.journeys.deps.coreBanking.getTransactionPages([{ accountId: 'acc-5001', first: 100 }]))[0]!;
    expect(items.filter((t) => t.reference === legacyKeyOf(`${running.id}.debitSourceAccount`))).toHaveLength(1);
    const payoutId = (done.state.payOut as { endToEndId: string }).endToEndId;
    expect((await railBook(stack, 'correspondent')).filter((p) => p.EndToEndId === payoutId)).toHaveLength(1);
  }, 60_000);
});
