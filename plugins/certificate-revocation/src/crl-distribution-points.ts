/**
 * `crl_distribution_points = true`: the CRLs a certificate names (CRL distribution points, http
 * URLs), fetched on first need and again when the copy reaches its nextUpdate or cache_seconds,
 * whichever is first. While a refetch fails, the old copy serves until its nextUpdate; after that the
 * status is unknown. One fetch per URL at a time; a failed fetch is retried after RETRY_MS.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../../core/api/index.ts';
import type { Fetcher } from './bounded-fetch.ts';
import { type ParsedCrl, parseCrl } from './crl.ts';
import { RETRY_MS } from './verdict.ts';

interface Entry {
  crl: ParsedCrl | null;
  /** When to fetch again. */
  refreshAt: number;
  problem: string | null;
}

export type DistributionPointResult = { readonly crl: ParsedCrl; readonly refreshAt: number } | { readonly problem: string; readonly refreshAt: number };

export class CrlDistributionPoints {
  /** Bounded: every entry may hold a CRL of up to max_response_bytes. */
  private readonly cache = new LRUCache<string, Entry>({ max: 64 });
  private readonly inFlight = new Map<string, Promise<Entry>>();

  constructor(
    private readonly fetcher: Fetcher,
    private readonly cacheMs: number,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** The cached answer for `url` while it is current, else null (call `fetch`). */
  cached(url: string): DistributionPointResult | null {
    const entry = this.cache.get(url);
    if (!entry || this.now() >= entry.refreshAt) return null;
    return result(entry);
  }

  async fetch(url: string): Promise<DistributionPointResult> {
    const hit = this.cached(url);
    if (hit) return hit;
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = this.load(url).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, pending);
    }
    return result(await pending);
  }

  private async load(url: string): Promise<Entry> {
    const previous = this.cache.get(url);
    const fetched = await this.fetcher(url, { method: 'GET', accept: 'application/pkix-crl' });
    const now = this.now();
    let entry: Entry;
    if (fetched.problem === undefined) {
      try {
        const crl = parseCrl(fetched.body);
        const refreshAt = Math.min(now + this.cacheMs, crl.nextUpdate !== null && crl.nextUpdate > now ? crl.nextUpdate : now + RETRY_MS);
        entry = { crl, refreshAt, problem: null };
      } catch (e) {
        entry = this.failed(url, `not a usable CRL: ${(e as Error).message}`, previous, now);
      }
    } else {
      entry = this.failed(url, fetched.problem, previous, now);
    }
    this.cache.set(url, entry);
    return entry;
  }

  private failed(url: string, problem: string, previous: Entry | undefined, now: number): Entry {
    this.logger.warn({ url, problem }, 'CRL distribution point fetch failed');
    // The copy we had still serves until its own nextUpdate (crlVerdict then calls it stale).
    return { crl: previous?.crl ?? null, refreshAt: now + Math.min(RETRY_MS, this.cacheMs), problem: `${url}: ${problem}` };
  }
}

function result(entry: Entry): DistributionPointResult {
  return entry.crl ? { crl: entry.crl, refreshAt: entry.refreshAt } : { problem: entry.problem ?? 'no CRL', refreshAt: entry.refreshAt };
}
