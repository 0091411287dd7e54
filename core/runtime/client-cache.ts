/**
 * Clients by id, cached briefly: every client authentication looks its client up, and reading and
 * decoding the row was the largest store cost on the token endpoint after the token insert. A
 * change made on this node or, through the invalidation bus, on another one drops the server's
 * entries at once; CACHE_MS bounds the staleness when an invalidation is lost. Unknown ids are not
 * remembered (a flood of made-up ids must not fill the cache, and a client created elsewhere is
 * found at once).
 *
 * Every client handed out is deep-frozen: authenticators, binders and the token endpoint's
 * invariants all read the same object, so none of them (a bundle included) can change what another
 * sees, and the token endpoint needs no private copy for the core's view of the request.
 */
import { LRUCache } from 'lru-cache';
import type { Client, ServerRef } from '../api/model.ts';
import type { Store } from '../store/repositories.ts';
import { systemClock, type Clock } from '../time/clock.ts';
import { freezeClient } from '../store/frozen-client.ts';

const CACHE_MS = 5_000;
/** Most clients kept; the least recently used goes first. */
const MAX_ENTRIES = 10_000;

export class ClientCache {
  private readonly entries = new LRUCache<string, { at: number; client: Client }>({ max: MAX_ENTRIES });
  /** Counts invalidations: a lookup that overlapped one may have read the old row, so it is not kept. */
  private invalidations = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock = systemClock,
  ) {}

  async get(ref: ServerRef, clientId: string): Promise<Client | null> {
    const server = serverKey(ref);
    const key = `${server}\u0000${clientId}`;
    const hit = this.entries.get(key);
    if (hit && this.clock.now() - hit.at < CACHE_MS) return hit.client;
    const before = this.invalidations;
    const client = await this.store.clients.get(ref, clientId);
    if (!client) {
      this.entries.delete(key);
      return null;
    }
    freezeClient(client);
    if (this.invalidations === before) this.entries.set(key, { at: this.clock.now(), client });
    return client;
  }

  /** Drops every client of the server (a client of it was created, changed or deleted). */
  forget(ref: ServerRef): void {
    const server = serverKey(ref);
    this.invalidations++;
    for (const key of [...this.entries.keys()]) if (key.startsWith(`${server}\u0000`)) this.entries.delete(key);
  }

  /** Drops everything (the invalidation channel reconnected: changes may have been missed). */
  clear(): void {
    this.invalidations++;
    this.entries.clear();
  }

  /** The store with `clients.get` answered from this cache. */
  in(store: Store): Store {
    return { ...store, clients: { ...store.clients, get: (ref, clientId) => this.get(ref, clientId) } };
  }
}

function serverKey(ref: ServerRef): string {
  return `${ref.tenantId}\u0000${ref.serverId}`;
}
