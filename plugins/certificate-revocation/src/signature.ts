/**
 * Verifies an X.509-style signature (CRL, OCSP response) with OpenSSL through node:crypto: the
 * algorithms a CA or responder signs with, by OID. Anything else does not verify (fail closed).
 */
import { type KeyObject, verify } from 'node:crypto';

const HASH_BY_ALGORITHM: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.5': 'sha1', // sha1WithRSAEncryption (old CAs still sign CRLs with it)
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const EDDSA = new Set(['1.3.101.112', '1.3.101.113']); // Ed25519, Ed448: no separate hash

export function verifySignature(algorithm: string, signed: ArrayBuffer | Uint8Array, signature: ArrayBuffer | Uint8Array, key: KeyObject): boolean {
  const hash = EDDSA.has(algorithm) ? null : HASH_BY_ALGORITHM[algorithm];
  if (hash === undefined) return false;
  try {
    return verify(hash, bytes(signed), key, bytes(signature));
  } catch {
    return false; // e.g. an RSA signature checked with an EC key
  }
}

export function bytes(data: ArrayBuffer | Uint8Array): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}
