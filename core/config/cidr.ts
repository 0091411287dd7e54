/**
 * Syntax check for `trusted_proxies` entries. Only validates: matching an address against the list is
 * the transport's job. Kept apart so the schema stays a list of keys.
 */
import { isIP } from 'node:net';

/** True for `10.0.0.0/8`, `::1/128`, or a plain address (`192.0.2.7`, `::1`). */
export function isCidrOrAddress(value: string): boolean {
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const prefix = value.slice(slash + 1);
  // Digits only: Number('') is 0 and Number(' 8') is 8, which would let typos through.
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
