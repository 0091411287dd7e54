/**
 * Client secrets: stored as a salted SHA-256 and compared in constant time. A slow KDF protects
 * low-entropy human passwords (see users/password-hash.ts); client secrets are machine credentials of
 * at least 128 bits (generated, or refused below MIN_CLIENT_SECRET_LENGTH at registration), so a
 * fast hash keeps the token endpoint fast without making an offline guess feasible (RFC 6819 §5.1.4.1.3).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const MIN_CLIENT_SECRET_LENGTH = 24;

export function hashClientSecret(secret: string): string {
  const salt = randomBytes(16).toString('base64url');
  return `sha256$${salt}$${digest(salt, secret)}`;
}

export function verifyClientSecret(secret: string, stored: string): boolean {
  const [scheme, salt, expected] = stored.split('$');
  if (scheme !== 'sha256' || !salt || !expected) return false;
  const actual = Buffer.from(digest(salt, secret), 'base64url');
  const wanted = Buffer.from(expected, 'base64url');
  return actual.length === wanted.length && timingSafeEqual(actual, wanted);
}

function digest(salt: string, secret: string): string {
  return createHash('sha256').update(salt).update('\u0000').update(secret).digest('base64url');
}
