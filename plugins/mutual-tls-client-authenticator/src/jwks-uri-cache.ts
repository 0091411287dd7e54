/**
 * The certificates behind each client's `jwks_uri`, cached: a document is used for `cacheMs`, fetched
 * again early when the client presents a certificate it does not hold (the client rotated), but
 * never more often than once per `refetchIntervalMs` per client — failed fetches included — so
 * neither a client presenting unknown certificates nor a dead URL turns into a request storm.
 * Concurrent requests for one client share one fetch.
 */
import type { JwksFetcher } from './jwks-uri-fetch.ts';
import { jwksCertificates } from './registered-certificates.ts';

export interface JwksUriCacheOptions {
  readonly cacheMs: number;
  readonly refetchIntervalMs: number;
  /** Most certificates taken from one document. */
  readonly maxCertificates: number;
  /** Most clients remembered; the oldest entry goes first. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export interface JwksUriLookup {
  /** The document's certificates, or null when the fetch failed. */
  readonly certificates: readonly Uint8Array[] | null;
  /** Why the (last) fetch failed. */
  readonly problem: string | null;
  /** Whether this lookup fetched the document (false: from the cache, fresh or rate-limited). */
  readonly fetched: boolean;
}

interface Entry {
  readonly uri: string;
  readonly certificates: readonly Uint8Array[] | null;
  readonly problem: string | null;
  readonly fetchedAt: number;
}

export class JwksUriCache {
  /** Bounded by maxEntries (default 10,000), oldest first out; keyed by registered clients only. */
  private readonly entries = new Map<string, Entry>();
  /** Fetches under way, gone once settled; one per registered client (and its one jwks_uri). */
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly now: () => number;

  constructor(
    private readonly fetcher: JwksFetcher,
    private readonly options: JwksUriCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The certificates of `client`'s document at `uri`. `refresh`: the cached document lacked the
   * presented certificate, so fetch again if the rate limit allows.
   */
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
          return 'problem' in result
            ? { uri, certificates: null, problem: result.problem, fetchedAt }
            : { uri, certificates: jwksCertificates(result.jwks, this.options.maxCertificates), problem: null, fetchedAt };
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
    this.entries.delete(client);
    this.entries.set(client, entry);
    const max = this.options.maxEntries ?? 10_000;
    while (this.entries.size > max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

function view(entry: Entry): Omit<JwksUriLookup, 'fetched'> {
  return { certificates: entry.certificates, problem: entry.problem };
}
