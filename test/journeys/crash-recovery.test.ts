import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDecimalString } from '../../lib/money.js';
import { RedisStore } from '../../lib/store/index.js';
import { createJourneysRuntime, type JourneysRuntime } from '../../subgraphs/journeys/runtime.js';
import { requireRedis, uniquePrefix } from '../support/redis.js';
import { startStack, type Stack } from '../support/stack.js';
import { eventually, paymentInput, railBook, settled, stepStatuses } from './support.js';
import { legacyKeyOf } from '../../connectors/core-banking/index.js';

/**
 * A worker dies mid-journey (SIGKILL, no chance to clean up) while its payout is on the wire. Another process takes
 * the journey over once the lease expires, and it finishes with every effect exactly once at every legacy system.
 */
describe('crash recovery across processes (Redis)', () => {
  let stack: Stack;
  let redisUrl: string;
  let prefix: string;
  let rescuer: JourneysRuntime | undefined;

  beforeAll(async () => {
    redisUrl = await requireRedis();
    prefix = uniquePrefix('crash');
    stack = await startStack();
  });
  afterAll(async () => {
    await rescuer?.close();
    await stack?.stop();
    const admin = new Redis(redisUrl);
    const keys = await admin.keys(`*${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });

  it('a journey killed with SIGKILL between steps is finished by another process, with no duplicated effect', async () => {
    const url = (s: keyof Stack['simulators']) => stack.simulators[s].running.url;
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      CORE_BANKING_URL: url('core-banking'),
      CARD_PROCESSOR_URL: url('card-processor'),
      KYC_PROVIDER_URL: url('kyc-provider'),
      FX_WALLET_URL: url('fx-wallet'),
      PAYMENT_RAIL_URL: url('payment-rail'),
      NOTIFIER_URL: url('notifier'),
      LEGACY_TIMEOUT_MS: '10000',
      CRASH_KEY: `crash-${Date.now()}`,
      PAYMENT_INPUT: JSON.stringify({ ...paymentInput({ amount: '50.00', currency: 'USD', iban: 'GB82WEST12345698765432', country: 'GB', bic: 'NWBKGB2L' }), sourceCurrency: 'EUR' }),
      LEASE_MS: '600',
    };
    // The payout hangs on the wire: the worker will be killed while it waits for the rail's answer.
    stack.fault('payment-rail', { route: 'POST /correspondent/pacs.008', latencyMs: 1_500 });

    const worker = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/payment-worker.ts', import.meta.url))], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const journeyId = await new Promise<string>((resolve, reject) => {
      createInterface({ input: worker.stdout! }).on('line', (l) => {
        output.push(l);
        const m = /^started (\S+)/.exec(l);
        if (m) resolve(m[1]!);
      });
      createInterface({ input: worker.stderr! }).on('line', (l) => output.push(l));
      worker.once('exit', (code) => reject(new Error(`worker exited early (${code}):\n${output.join('\n')}`)));
    });

    const store = new RedisStore(redisUrl, { prefix });
    rescuer = createJourneysRuntime({
      env: { ...env, JOURNEY_WAIT_MS: '1000' },
      store,
      workerId: 'worker-rescuer',
      leaseMs: 600,
      recoveryIntervalMs: 0,
    });
    // Wait until the doomed worker is inside the payout, with the earlier steps persisted.
    await eventually('the worker to be paying out', async () => {
      const r = await rescuer!.engine.get(journeyId);
      return r && stepStatuses(r).payOut === 'RUNNING' ? r : undefined;
    });
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    const atDeath = await rescuer.engine.get(journeyId);
    expect(atDeath?.status).toBe('RUNNING');
    expect(stepStatuses(atDeath!)).toMatchObject({ debitSourceAccount: 'SUCCEEDED', convertCurrency: 'SUCCEEDED', payOut: 'RUNNING' });

    stack.clearFaults();
    // Another process takes over once the dead worker's lease has expired.
    const recovered = await eventually('a takeover', async () => ((await rescuer!.engine.recoverStalled()) > 0 ? true : undefined), 10_000);
    expect(recovered).toBe(true);
    const done = await settled({ ...stack, journeys: rescuer } as Stack, journeyId, 30_000);
    expect(done.status).toBe('COMPLETED');
    const workers = new Set(done.steps.flatMap((s) => s.attempts.map((a) => a.worker)));
    expect(workers).toEqual(new Set(['worker-doomed', 'worker-rescuer']));

    // Exactly once, by the legacy systems' own books.
    const { items } = (await rescuer.deps.coreBanking.getTransactionPages([{ accountId: 'acc-5001', first: 100 }]))[0]!;
    const debits = items.filter((t) => t.reference === legacyKeyOf(`${journeyId}.debitSourceAccount`));
    expect(debits).toHaveLength(1);
    expect(items.filter((t) => t.reference === legacyKeyOf(`${journeyId}.debitSourceAccount.undo`))).toHaveLength(0);
    const conversion = await rescuer.deps.fxWallet.findConversion(`${journeyId}.convertCurrency`);
    expect(conversion?.status).toBe('COMPLETED');
    expect(toDecimalString(conversion!.sell)).toBe(toDecimalString(debits[0]!.amount));
    const payoutId = (done.state.payOut as { endToEndId: string }).endToEndId;
    const payouts = (await railBook(stack, 'correspondent')).filter((p) => p.EndToEndId === payoutId);
    expect(payouts).toEqual([expect.objectContaining({ Ccy: 'USD', value: '50.00', TxSts: 'ACSC' })]);
    expect((await railBook(stack, 'instant')).filter((p) => p.EndToEndId === payoutId)).toHaveLength(0);
  }, 60_000);
});
