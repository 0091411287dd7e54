/**
 * The client's address behind trusted proxies, from X-Forwarded-For. Each proxy appends the address
 * it received the request from (nginx: `$proxy_add_x_forwarded_for`), so the list is read from the
 * right: the first address that is not itself a trusted proxy is the client. Anything to its left
 * was written by the client and proves nothing. A peer that is not a trusted proxy is the client,
 * whatever it sends.
 */
import { isIP } from 'node:net';
import type { TrustedProxies } from './trusted-proxies.ts';

/** More hops than any real chain of proxies; a longer header is read only this far from the right. */
const MAX_HOPS = 20;

export function forwardedClientAddress(peer: string, forwardedFor: string | string[] | undefined, proxies: TrustedProxies): string {
  if (forwardedFor === undefined || !proxies.has(peer)) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  let client = peer;
  for (let i = hops.length - 1, read = 0; i >= 0 && read < MAX_HOPS; i--, read++) {
    const hop = hops[i].trim();
    // A malformed entry ends the trustworthy part: keep the last address a trusted proxy vouched for.
    if (isIP(hop) === 0) break;
    client = hop;
    if (!proxies.has(hop)) break;
  }
  return client;
}
