/**
 * The JWK Set behind each client's `jwks_uri`, cached: a document is used for `cacheMs`, fetched
 * again early when the caller asks (the client presented a certificate or key the document lacks:
 * it rotated), but never more often than once per `refetchIntervalMs` per client — failed fetches
 * included — so neither a client presenting unknown keys nor a dead URL turns into a request storm.
 * Concurrent requests for one client share one fetch. Bounded: `maxEntries` clients (least recently
 * used first out), `maxKeys` keys kept of one document.
 */
import { LRUCache } from 'lru-cache';
import type { JwksCacheOptions, JwksUriCache, JwksUriLookup, PublicJwkSet } from '../api/plugin-context.ts';
import type { JwksFetcher } from './jwks-uri-fetch.ts';

export interface JwksUriCacheOptions extends Pick<JwksCacheOptions, 'cacheMs' | 'refetchIntervalMs' | 'maxEntries'> {
  /** Most keys kept from one document (the rest are dropped). */
  readonly maxKeys: number;
  readonly now?: () => number;
}

interface Entry {
  readonly uri: string;
  readonly jwks: PublicJwkSet | null;
  readonly problem: string | null;
  readonly fetchedAt: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

export class JwksUriDocumentCache implements JwksUriCache {
  /** Bounded by maxEntries (default 10,000), least recently used first out; keyed by registered clients only. */
  private readonly entries: LRUCache<string, Entry>;
  /** Fetches under way, gone once settled; one per registered client (and its one jwks_uri). */
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly now: () => number;

  constructor(
    private readonly fetcher: JwksFetcher,
    private readonly options: JwksUriCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.entries = new LRUCache<string, Entry>({ max: options.maxEntries ?? DEFAULT_MAX_ENTRIES });
  }

  async lookup(client: string, uri: string, refresh = false): Promise<JwksUriLookup> {
    const entry = this.entries.get(client);
    if (entry && entry.uri === uri) {
      const age = this.now() - entry.fetchedAt;
      const usable = entry.problem === null && age < this.options.cacheMs;
      if ((usable && !refresh) || age < this.options.refetchIntervalMs) return { ...view(entry), fetched: false };
    }
    return { ...view(await this.fetch(client, uri)), fetched: true };
  }

  private fetch(client: string, uri: string): Promise<Entry> {
    const key = `${client}\u0000${uri}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetcher(uri)
        .then((result): Entry => {
          const fetchedAt = this.now();
          if ('problem' in result) return { uri, jwks: null, problem: result.problem, fetchedAt };
          const keys = result.jwks.keys.filter(isObject).slice(0, this.options.maxKeys);
          return { uri, jwks: { keys }, problem: null, fetchedAt };
        })
        .then((entry) => {
          this.remember(client, entry);
          return entry;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private remember(client: string, entry: Entry): void {
    this.entries.set(client, entry);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function view(entry: Entry): Omit<JwksUriLookup, 'fetched'> {
  return { jwks: entry.jwks, problem: entry.problem };
}
