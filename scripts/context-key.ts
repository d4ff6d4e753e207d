import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseSigningKey, publicKeyOf } from '../lib/context-keys.js';

/**
 * Makes a key pair for the signed internal context (lib/context.ts), Ed25519, and prints the two variables:
 *   npm run -s context-key -- --kid context-2027-01
 * INTERNAL_CONTEXT_PRIVATE_KEY goes to the gateway only (a secret store, never a subgraph), INTERNAL_CONTEXT_PUBLIC_KEYS
 * to every subgraph. To rotate, give the subgraphs both public keys first ({"keys": [old, new]}), then the gateway
 * the new private key, then drop the old public key.
 */
const { values } = parseArgs({ options: { kid: { type: 'string' } } });
const kid = values.kid ?? `context-${new Date().toISOString().slice(0, 10)}`;
const { privateKey } = generateKeyPairSync('ed25519');
const key = parseSigningKey(JSON.stringify(privateKey.export({ format: 'jwk' })), kid);
console.log(`INTERNAL_CONTEXT_PRIVATE_KEY='${JSON.stringify(key.jwk)}'`);
console.log(`INTERNAL_CONTEXT_PUBLIC_KEYS='${JSON.stringify({ keys: [publicKeyOf(key)] })}'`);
