/**
 * Resolves `/{tid}/{aid}` to a ServerContext: issuer and endpoint URLs derived from the public URL
 * (or the HTTPS listener), the server's token format. Lookups are cached briefly: a change made on
 * this node or, through the invalidation bus, on another one drops the entry at once; CACHE_MS
 * bounds the staleness when an invalidation is lost (e.g. while the bus reconnects).
 *
 * The key comes from the URL, so anyone can make up new ones: a lookup that finds no server is
 * dropped once it settles (only the in-flight promise is shared), and the cache holds at most
 * MAX_ENTRIES servers, least recently used first out. Security review #15: every made-up
 * `/{tid}/{aid}` used to stay forever.
 */
import { LRUCache } from 'lru-cache';
import type { ServerRef, TokenFormat } from '../api/model.ts';
import type { Store } from '../store/repositories.ts';
import type { ServerContext } from './server-context.ts';
import { systemClock, type Clock } from '../time/clock.ts';

const CACHE_MS = 5_000;
/** Most servers kept (existing ones only); the least recently used goes first. */
const MAX_ENTRIES = 10_000;

type Entry = { value: Promise<ServerContext | null> };

export class ServerDirectory {
  private readonly cache: LRUCache<string, Entry>;

  constructor(
    private readonly store: Store,
    private readonly baseUrl: () => string,
    private readonly defaultFormat: TokenFormat,
    private readonly mtlsBaseUrl: () => string | null = () => null,
    clock: Clock = systemClock,
  ) {
    // ttlResolution 0: every check reads the clock, so a test clock moved forward is seen at once.
    this.cache = new LRUCache<string, Entry>({ max: MAX_ENTRIES, ttl: CACHE_MS, perf: clock, ttlResolution: 0 });
  }

  resolve(ref: ServerRef): Promise<ServerContext | null> {
    const key = `${ref.tenantId}/${ref.serverId}`;
    const hit = this.cache.get(key);
    if (hit) return hit.value;
    const value = this.load(ref);
    const entry: Entry = { value };
    this.cache.set(key, entry);
    // Only this entry: a newer load (after an invalidation) may have replaced it meanwhile. A miss
    // or a failure is not kept.
    const drop = () => this.cache.peek(key) === entry && this.cache.delete(key);
    value.then((found) => found === null && drop(), drop);
    return value;
  }

  /** Servers (and lookups in flight) held now. */
  get size(): number {
    return this.cache.size;
  }

  forget(ref: ServerRef): void {
    this.cache.delete(`${ref.tenantId}/${ref.serverId}`);
  }

  /** Drops every entry (the invalidation channel reconnected: changes may have been missed). */
  clear(): void {
    this.cache.clear();
  }

  private async load(ref: ServerRef): Promise<ServerContext | null> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(ref.tenantId) || !/^[A-Za-z0-9_-]{1,64}$/.test(ref.serverId)) return null;
    const record = await this.store.servers.get(ref);
    if (!record) return null;
    const base = this.baseUrl();
    const isDefault = ref.tenantId === 'default' && ref.serverId === 'default';
    // The default server's issuer is the bare base URL, so /.well-known/openid-configuration matches it.
    const path = isDefault ? '' : `/${ref.tenantId}/${ref.serverId}`;
    const root = `${base}${path}`;
    const mtls = this.mtlsBaseUrl();
    return {
      tenantId: ref.tenantId,
      serverId: ref.serverId,
      issuer: record.issuer ?? root,
      endpointBase: `${root}/oauth2`,
      mtlsEndpointBase: mtls ? `${mtls}${path}/oauth2` : null,
      accessTokenFormat: record.accessTokenFormat ?? this.defaultFormat,
      profile: record.profile,
    };
  }
}
