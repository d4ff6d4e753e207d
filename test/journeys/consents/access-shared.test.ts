import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAuditSink } from '../../../lib/audit.js';
import { authConfig, contextPublicKeys } from '../../../lib/config.js';
import { ContextSigner, ContextVerifier } from '../../../lib/context.js';
import type { Principal } from '../../../lib/principal.js';
import { MemoryStore, RedisStore, type KeyValueStore } from '../../../lib/store/index.js';
import type { RunningSubgraph } from '../../../lib/subgraph-server.js';
import { InProcessQueue } from '../../../subgraphs/journeys/engine/queue.js';
import { createJourneysRuntime, type JourneysRuntime } from '../../../subgraphs/journeys/runtime.js';
import { createJourneysSubgraph } from '../../../subgraphs/journeys/server.js';
import { requireRedis, uniquePrefix } from '../../support/redis.js';

/**
 * Two journeys subgraph instances on one store (a real Redis, and a shared MemoryStore) see one access count: the
 * customer-absent limit of a consent holds across them, for calls one after another and all at once.
 */

const budget: Principal = { kind: 'partner', clientId: 'budget-app', scopes: ['accounts:basic'], consent: null };
const env = { NODE_ENV: 'test' };

const stores: [string, () => Promise<KeyValueStore>][] = [
  ['a shared MemoryStore', async () => new MemoryStore()],
  ['one real Redis', async () => new RedisStore(await requireRedis(), { prefix: uniquePrefix('consents-access') })],
];

describe.each(stores)('the access count of two journeys instances on %s', (_name, open) => {
  let store: KeyValueStore;
  const runtimes: JourneysRuntime[] = [];
  const running: RunningSubgraph[] = [];
  const signer = new ContextSigner(authConfig(env).internalContextKey);
  beforeAll(async () => {
    store = await open();
    for (const worker of ['consents-a', 'consents-b']) {
      const runtime = createJourneysRuntime({ env, store, queue: new InProcessQueue(), audit: new MemoryAuditSink(), workerId: worker });
      runtimes.push(runtime);
      const server = await createJourneysSubgraph({
        engine: runtime.engine,
        flows: runtime.flows,
        deps: runtime.deps,
        consents: runtime.consents,
        partners: runtime.partners,
        actions: runtime.actions,
        routes: runtime.routes,
        verifier: new ContextVerifier(contextPublicKeys(env)),
      });
      running.push(await server.listen(0));
    }
  });
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await Promise.all(runtimes.map((r) => r.close()));
    await store?.close();
  });

  async function access(instance: number, id: string, customerPresent: boolean): Promise<{ standing: string; accessesToday: number }> {
    const context = await signer.sign({ principal: budget, requestId: 'req-access' }, { audience: 'journeys', expiresAtMs: Date.now() + 10_000 });
    const res = await fetch(running[instance]!.url.replace(/\/graphql$/, `/internal/consents/${id}/access`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bankgraph-context': context },
      body: JSON.stringify({ customerPresent }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { standing: string; accessesToday: number };
  }

  async function authorisedConsent(id: string, frequencyPerDay: number): Promise<void> {
    await runtimes[0]!.consents.create({ id, partner: 'budget-app', customerId: 'cust-0001', accountIds: ['acc-5001'], permissions: ['accounts:basic'], frequencyPerDay });
  }

  it('counts one after another across both instances, and refuses the access beyond frequencyPerDay on either', async () => {
    const id = `aac-shared-seq-${Date.now()}`;
    await authorisedConsent(id, 3);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await access(i % 2, id, false));
    expect(answers.map((a) => a.standing)).toEqual(['live', 'live', 'live', 'frequency-exceeded', 'frequency-exceeded']);
    expect(answers.map((a) => a.accessesToday)).toEqual([1, 2, 3, 3, 3]);
    // The customer present still gets in, through either instance, counted in the same count.
    expect(await access(1, id, true)).toMatchObject({ standing: 'live', accessesToday: 4 });
    expect(await runtimes[0]!.consents.usage(id)).toMatchObject({ accessesToday: 4 });
    expect(await runtimes[1]!.consents.usage(id)).toMatchObject({ accessesToday: 4 });
  });

  it('lets exactly frequencyPerDay of many concurrent customer-absent accesses through, whichever instance serves them', async () => {
    const id = `aac-shared-par-${Date.now()}`;
    await authorisedConsent(id, 4);
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => access(i % 2, id, false)));
    expect(answers.filter((a) => a.standing === 'live')).toHaveLength(4);
    expect(answers.filter((a) => a.standing === 'frequency-exceeded')).toHaveLength(12);
    expect((await runtimes[1]!.consents.usage(id)).accessesToday).toBe(4);
  });

  it('sees a revocation made through one instance on the other at once', async () => {
    const id = `aac-shared-rev-${Date.now()}`;
    await authorisedConsent(id, 4);
    expect((await access(1, id, true)).standing).toBe('live');
    await runtimes[0]!.consents.revoke(id, 'customer:cust-0001');
    expect((await access(1, id, true)).standing).toBe('revoked');
  });
});
