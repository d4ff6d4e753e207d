import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/**
 * The keys of the signed internal context (lib/context.ts): the gateway's private key, which only the gateway holds,
 * and the public keys the subgraphs verify with. Read and checked here, synchronously and at start, so a malformed
 * key stops the start instead of failing the first request.
 */

/** The algorithm follows the key: Ed25519 signs EdDSA, P-256 signs ES256. Nothing else (no HS256, no RSA). */
export const CONTEXT_ALGORITHMS = ['EdDSA', 'ES256'] as const;
export type ContextAlgorithm = (typeof CONTEXT_ALGORITHMS)[number];

/** The gateway's signing key: a private JWK with its key id (`kid`, the header that lets subgraphs pick the key). */
export interface ContextSigningKey {
  readonly kid: string;
  readonly alg: ContextAlgorithm;
  /** Private JWK: kty, crv, x (and y), d, kid, alg. */
  readonly jwk: JWK;
}

/** The public keys a subgraph accepts, as a JWKS: every key has a distinct kid and no private part. */
export interface ContextPublicKeys {
  readonly keys: readonly JWK[];
}

function algorithmOf(key: KeyObject): ContextAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error('is not an Ed25519 or P-256 key');
}

function jsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('is neither a PEM key nor JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('is not a JSON object');
  return value as Record<string, unknown>;
}

/** The key's own material (kty, crv, x, y, and d for a private key) as node:crypto exports it: one form for PEM and JWK. */
function materialOf(key: KeyObject): JWK {
  return key.export({ format: 'jwk' }) as JWK;
}

/**
 * A private key as INTERNAL_CONTEXT_PRIVATE_KEY gives it: PKCS8 PEM, or a JWK (JSON). Its kid is `kid` (from
 * INTERNAL_CONTEXT_KEY_ID) or the JWK's own; one of them is needed, and the two must agree. Throws a message that
 * reads after the variable's name.
 */
export function parseSigningKey(text: string, kid: string | undefined): ContextSigningKey {
  const trimmed = text.trim();
  let key: KeyObject;
  let ownKid: unknown;
  if (trimmed.startsWith('-----BEGIN')) {
    try {
      key = createPrivateKey({ key: trimmed, format: 'pem' });
    } catch {
      throw new Error('is not a readable PEM private key (PKCS8)');
    }
  } else {
    const jwk = jsonObject(trimmed);
    if (typeof jwk.d !== 'string') throw new Error('is not a private key (a JWK without "d")');
    ownKid = jwk.kid;
    try {
      key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      throw new Error('is not a readable private JWK');
    }
  }
  const alg = algorithmOf(key);
  if (ownKid !== undefined && typeof ownKid !== 'string') throw new Error('has a "kid" that is not a string');
  if (kid && ownKid && kid !== ownKid) throw new Error(`has kid "${ownKid}" but INTERNAL_CONTEXT_KEY_ID says "${kid}"`);
  const id = kid || ownKid;
  if (!id) throw new Error('needs a key id: INTERNAL_CONTEXT_KEY_ID, or "kid" in the JWK');
  return { kid: id, alg, jwk: { ...materialOf(key), kid: id, alg } };
}

/**
 * The public keys as INTERNAL_CONTEXT_PUBLIC_KEYS gives them: a JWKS, `{"keys": [...]}`, each key with its kid.
 * A key with a private part is refused: a subgraph holds nothing it could sign with.
 */
export function parsePublicKeys(text: string): ContextPublicKeys {
  const jwks = jsonObject(text.trim());
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('is not a JWKS with at least one key ({"keys": [...]})');
  const seen = new Set<string>();
  const keys = jwks.keys.map((entry: unknown, i): JWK => {
    if (typeof entry !== 'object' || entry === null) throw new Error(`key ${i} is not a JWK`);
    const jwk = entry as Record<string, unknown>;
    if ('d' in jwk) throw new Error(`key ${i} is a private key: subgraphs hold public keys only`);
    if (typeof jwk.kid !== 'string' || jwk.kid === '') throw new Error(`key ${i} has no "kid"`);
    if (seen.has(jwk.kid)) throw new Error(`has two keys with kid "${jwk.kid}"`);
    seen.add(jwk.kid);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      throw new Error(`key ${i} ("${jwk.kid}") is not a readable public JWK`);
    }
    const alg = algorithmOf(key);
    if (jwk.alg !== undefined && jwk.alg !== alg) throw new Error(`key ${i} ("${jwk.kid}") says alg ${String(jwk.alg)}, its key is ${alg}`);
    return { ...materialOf(key), kid: jwk.kid, alg };
  });
  return { keys };
}

/** The public half of a signing key, as a subgraph would hold it. */
export function publicKeyOf(key: ContextSigningKey): JWK {
  const { d: _private, ...publicJwk } = key.jwk;
  return publicJwk;
}

/** Whether two JWKs are the same key pair (their public material), whatever their kid or form. */
export function sameKey(a: JWK, b: JWK): boolean {
  return a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y;
}
