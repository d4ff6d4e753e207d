import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreBankingConnector } from '../../connectors/core-banking/index.js';
import { createCoreBankingConnector, fineractInstallationOf } from '../../connectors/factory.js';
import { createCoreBankingSimulator } from '../../legacy/core-banking/server.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';

/**
 * A Fineract installation's own ids are configuration, not code (issue 12 item 5): the savings product each of
 * bankgraph's products is opened as (CORE_BANKING_SAVINGS_PRODUCTS) and the closure reason a journey closes a client
 * with (CORE_BANKING_CLIENT_CLOSURE_REASON_ID). Shown by what the real simulator does with the ids it is sent.
 */

let running: RunningSimulator;
const connectors: CoreBankingConnector[] = [];
function connector(env: Record<string, string>): CoreBankingConnector {
  const c = createCoreBankingConnector({ NODE_ENV: 'test', ...env }, { baseUrl: running.url, retry: { retries: 0 } });
  connectors.push(c);
  return c;
}
let n = 0;
async function newClient(cb: CoreBankingConnector): Promise<string> {
  const tag = `inst-${++n}`;
  return (await cb.createClient({ customerId: `cust-${tag}`, firstName: 'Inst', lastName: tag, email: null, phone: null, dateOfBirth: null })).coreBankingId;
}

beforeAll(async () => {
  running = await createCoreBankingSimulator().listen(0);
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.http.close()));
  await running.close();
});

describe("a Fineract installation's own ids", () => {
  it('opens each product as the savings product the configuration names', async () => {
    // This installation's EUR_CURRENT is the sandbox's product 3 (a USD account): the account opened says which id went.
    const cb = connector({ CORE_BANKING_SAVINGS_PRODUCTS: JSON.stringify({ EUR_CURRENT: 3, GBP_SAVER: 2, USD_ACCOUNT: 1 }) });
    const { accountId } = await cb.createSavingsAccount({ coreBankingId: await newClient(cb), product: 'EUR_CURRENT', reference: 'inst-open-1' });
    const [account] = await cb.getAccounts([accountId]);
    expect(account?.currency).toBe('USD');
    // The sandbox's own ids by default.
    const sandbox = connector({});
    const { accountId: eur } = await sandbox.createSavingsAccount({ coreBankingId: await newClient(sandbox), product: 'EUR_CURRENT', reference: 'inst-open-2' });
    expect((await sandbox.getAccounts([eur]))[0]?.currency).toBe('EUR');
  });

  it('closes a client with the closure reason the configuration names', async () => {
    const unknownReason = connector({ CORE_BANKING_CLIENT_CLOSURE_REASON_ID: '999' });
    const err = await unknownReason.closeClient(await newClient(unknownReason)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe(ErrorCode.NOT_FOUND);
    expect((err as UpstreamError).detail.legacyCode).toBe('error.msg.codevalue.id.invalid');
    const sandbox = connector({ CORE_BANKING_CLIENT_CLOSURE_REASON_ID: '31' });
    await expect(sandbox.closeClient(await newClient(sandbox))).resolves.toBeUndefined();
  });

  it('books the journeys\' movements under the payment type the configuration names', async () => {
    const unknownType = connector({ CORE_BANKING_PAYMENT_TYPE_ID: '999' });
    const cb = connector({ CORE_BANKING_PAYMENT_TYPE_ID: '1' });
    const { accountId } = await cb.createSavingsAccount({ coreBankingId: await newClient(cb), product: 'EUR_CURRENT', reference: 'inst-open-3' });
    await cb.approveAccount(accountId);
    await cb.activateAccount(accountId);
    const err = await unknownType.deposit({ accountId, amount: { minor: 100n, currency: 'EUR' }, reference: 'inst-dep-0' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as UpstreamError).detail.legacyCode).toBe('error.msg.payment.type.invalid');
    const { transactionId } = await cb.deposit({ accountId, amount: { minor: 100n, currency: 'EUR' }, reference: 'inst-dep-1' });
    expect((await cb.findTransactionByReference(accountId, 'inst-dep-1'))?.id).toBe(transactionId);
    // Under the sandbox's own type (3), that deposit is not one of the journeys'.
    expect(await connector({}).findTransactionByReference(accountId, 'inst-dep-1')).toBeNull();
  });

  it('stops the start on an id list it cannot use, naming what is wrong', () => {
    expect(fineractInstallationOf({})).toEqual({ savingsProductIds: { EUR_CURRENT: 1, GBP_SAVER: 2, USD_ACCOUNT: 3 }, clientClosureReasonId: 31, paymentTypeId: 3 });
    expect(fineractInstallationOf({ CORE_BANKING_PAYMENT_TYPE_ID: '12' }).paymentTypeId).toBe(12);
    expect(() => fineractInstallationOf({ CORE_BANKING_PAYMENT_TYPE_ID: 'cash' })).toThrow(/CORE_BANKING_PAYMENT_TYPE_ID must be/);
    expect(() => fineractInstallationOf({ CORE_BANKING_SAVINGS_PRODUCTS: 'EUR_CURRENT=1' })).toThrow(/CORE_BANKING_SAVINGS_PRODUCTS is not JSON/);
    expect(() => fineractInstallationOf({ CORE_BANKING_SAVINGS_PRODUCTS: '{"EUR_CURRENT": 1}' })).toThrow(/wrong for GBP_SAVER, USD_ACCOUNT/);
    expect(() => fineractInstallationOf({ CORE_BANKING_SAVINGS_PRODUCTS: '{"EUR_CURRENT": 1, "GBP_SAVER": 2, "USD_ACCOUNT": 3, "GOLD": 4}' })).toThrow(/wrong for GOLD/);
    expect(() => fineractInstallationOf({ CORE_BANKING_SAVINGS_PRODUCTS: '{"EUR_CURRENT": 1.5, "GBP_SAVER": 2, "USD_ACCOUNT": 3}' })).toThrow(/wrong for EUR_CURRENT/);
    expect(() => fineractInstallationOf({ CORE_BANKING_CLIENT_CLOSURE_REASON_ID: 'thirty-one' })).toThrow(/CORE_BANKING_CLIENT_CLOSURE_REASON_ID must be/);
  });
});
