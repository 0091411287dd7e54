/**
 * Pushed authorization requests (RFC 9126) as stored: the parameters a client pushed, under a
 * one-time `request_uri`, in the store's key-value table — so any node of a cluster can serve the
 * /authorize that follows. Usable once (an atomic mark), by the client that pushed it only, until
 * it expires. The reference is random (256 bits); only its hash keys the row.
 */
import type { ServerRef } from '../../api/model.ts';
import { randomToken } from '../../crypto/random-token.ts';
import { sha256Base64Url } from '../../crypto/sha256.ts';
import type { KeyValueRepository } from '../../store/repositories.ts';

export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
/** What `REQUEST_URI_PREFIX + randomToken(32)` looks like; anything else is unknown without a lookup. */
const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/;

interface StoredRequest {
  clientId: string;
  params: Record<string, string>;
}

export type TakeResult =
  | { readonly params: Record<string, string> }
  | { readonly problem: 'unknown' | 'other_client' | 'used' };

export class PushedRequests {
  constructor(
    private readonly kv: KeyValueRepository,
    private readonly nowSeconds: () => number,
  ) {}

  async push(server: ServerRef, clientId: string, params: Record<string, string>, lifetimeSeconds: number): Promise<string> {
    const token = randomToken(32);
    const value: StoredRequest = { clientId, params };
    await this.kv.put(this.key(server, 'par', token), JSON.stringify(value), this.nowSeconds() + lifetimeSeconds);
    return `${REQUEST_URI_PREFIX}${token}`;
  }

  /** The pushed parameters, once, for the client that pushed them. A wrong client does not use it up. */
  async take(server: ServerRef, clientId: string, requestUri: string): Promise<TakeResult> {
    if (!REQUEST_URI.test(requestUri)) return { problem: 'unknown' };
    const token = requestUri.slice(REQUEST_URI_PREFIX.length);
    const now = this.nowSeconds();
    const raw = await this.kv.get(this.key(server, 'par', token), now);
    if (!raw) return { problem: 'unknown' };
    const stored = JSON.parse(raw) as StoredRequest;
    if (stored.clientId !== clientId) return { problem: 'other_client' };
    // One use, atomically across nodes; the mark outlives the request it marks.
    if (!(await this.kv.putIfAbsent(this.key(server, 'par-used', token), '1', now + 600, now))) return { problem: 'used' };
    await this.kv.delete(this.key(server, 'par', token));
    return { params: stored.params };
  }

  private key(server: ServerRef, kind: string, token: string): string {
    return `${kind}:${server.tenantId}/${server.serverId}:${sha256Base64Url(token)}`;
  }
}
