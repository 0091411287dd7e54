/**
 * Compact JWS signing (RFC 7515) for the tokens Tessera issues, with node:crypto's one-shot `sign`
 * on a KeyObject: synchronous, where jose signs through WebCrypto, whose every signature is a job on
 * the libuv thread pool and a wake-up of the event loop. The JWTs are the same (header, claims,
 * ES256 as raw r||s per RFC 7518 §3.4, RS256 as PKCS #1 v1.5). Verification of Tessera's own tokens
 * is in jws-verify.ts, the same way; JWTs from others (assertions, proofs) go through jose.
 */
import { sign, type KeyObject } from 'node:crypto';
import type { SigningAlg } from './signing-keys.ts';

export function signJwt(header: { alg: SigningAlg; typ: string; kid: string }, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature =
    header.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
