import { timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of two `x5t#S256` values (base64url text). */
export function sameThumbprint(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
