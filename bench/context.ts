/**
 * What the signed internal context costs (lib/context.ts): `npx tsx bench/context.ts`. The gateway signs one context
 * per request and subgraph; each subgraph verifies it once (later fetches of the same request hit its cache).
 *
 * For each algorithm (EdDSA, ES256) it prints µs per operation, one at a time (latency: jose goes through
 * WebCrypto, whose work runs off the main thread and comes back as a promise) and 64 at a time (throughput), for:
 * signing, verifying a context not seen before, and verifying one from the cache. Knobs: BENCH_CONTEXT_OPS (2000).
 * Figures depend on the machine and its load: run it on the machine you want to know about.
 */
import { generateKeyPairSync } from 'node:crypto';
import { parseSigningKey, publicKeyOf, type ContextSigningKey } from '../lib/context-keys.js';
import { ContextSigner, ContextVerifier, type InternalContext } from '../lib/context.js';

const OPS = Number(process.env.BENCH_CONTEXT_OPS ?? 2000);
const CONCURRENT = 64;
const ctx: InternalContext = { principal: { kind: 'customer', customerId: 'cust-0001' }, requestId: 'bench-context' };

function keyOf(type: 'ed25519' | 'p256'): ContextSigningKey {
  const { privateKey } = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return parseSigningKey(JSON.stringify(privateKey.export({ format: 'jwk' })), `bench-${type}`);
}

/** µs per operation of `op(i)` for i in 0..OPS-1, `concurrency` in flight at a time. */
async function usPerOp(op: (i: number) => Promise<unknown>, concurrency: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < OPS) await op(next++);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1000 / OPS;
}

/** A verifier as a subgraph has one (its key imported by a first verification), and a task verifying token i. */
async function freshVerifier(key: ContextSigningKey, tokens: readonly string[]): Promise<(i: number) => Promise<unknown>> {
  const verifier = new ContextVerifier({ keys: [publicKeyOf(key)] });
  const signer = new ContextSigner(key);
  await verifier.verify(await signer.sign(ctx, { audience: 'accounts', expiresAtMs: Date.now() + 60_000 }), 'accounts');
  return (i) => verifier.verify(tokens[i], 'accounts');
}

const rows: string[] = ['| algorithm | operation | µs/op, 1 at a time | µs/op, 64 at a time |', '| --- | --- | --- | --- |'];
for (const type of ['ed25519', 'p256'] as const) {
  const key = keyOf(type);
  const signer = new ContextSigner(key);
  const scope = () => ({ audience: 'accounts', expiresAtMs: Date.now() + 60_000 });
  await signer.sign(ctx, scope()); // imports the key once, as the gateway does on its first request
  // Distinct tokens (another request id each), so verification never hits the cache unless asked to.
  const tokens = await Promise.all(Array.from({ length: OPS }, (_, i) => signer.sign({ ...ctx, requestId: `r-${i}` }, scope())));
  const measured = {
    sign: [await usPerOp(() => signer.sign(ctx, scope()), 1), await usPerOp(() => signer.sign(ctx, scope()), CONCURRENT)],
    'verify (new token)': [await usPerOp(await freshVerifier(key, tokens), 1), await usPerOp(await freshVerifier(key, tokens), CONCURRENT)],
  };
  const cached = new ContextVerifier({ keys: [publicKeyOf(key)] });
  await cached.verify(tokens[0], 'accounts');
  const hit = [await usPerOp(() => cached.verify(tokens[0], 'accounts'), 1), await usPerOp(() => cached.verify(tokens[0], 'accounts'), CONCURRENT)];
  for (const [operation, [one, many]] of Object.entries({ ...measured, 'verify (cached)': hit })) {
    rows.push(`| ${key.alg} | ${operation} | ${one!.toFixed(1)} | ${many!.toFixed(1)} |`);
  }
}
console.log(rows.join('\n'));
