import { timingSafeEqual } from 'node:crypto';
import { sha256Base64Url } from '../../crypto/sha256.ts';

/** RFC 7636 §4.1: 43–128 unreserved characters. */
export const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function pkceMatches(verifier: string, challenge: string, method: string): boolean {
  const computed = method === 'S256' ? sha256Base64Url(verifier) : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
