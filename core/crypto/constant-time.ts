/**
 * Comparison of secrets an attacker presents (CSRF tokens, flow ids) in constant time: both sides are
 * hashed first, so neither the position of the first difference nor the length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function constantTimeEqual(presented: string | undefined | null, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
