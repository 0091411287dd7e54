/**
 * Remembers successful admin Basic verifications for a short time: an admin password is checked
 * with scrypt (~50 ms), which Swagger UI, scripts and resource servers introspecting with admin
 * credentials (the WSO2 guide's way) would otherwise pay on every call — and their parallel calls
 * would count against the login lockout. Only successes
 * are cached, keyed by a SHA-256 of the pair (the password itself is never kept), in memory only, so
 * a wrong one is never served from here; a changed password (a node restarted with a new
 * `[super_admin] password`) empties the cache of every node through the invalidation bus.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export class CredentialCache {
  /** Bounded by maxEntries; the oldest goes first. */
  private readonly entries: LRUCache<string, number>;
  /**
   * Verifications under way: parallel calls with the same pair share one check (and one lockout
   * count). Gone once settled; only pairs naming an existing admin user get here.
   */
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly ttlMs = 60_000,
    maxEntries = 256,
    private readonly clock: () => number = Date.now,
  ) {
    // Bounded by maxEntries, least recently used first out; the expiry is checked here against `clock`.
    this.entries = new LRUCache<string, number>({ max: maxEntries });
  }

  private key(username: string, password: string): string {
    return createHash('sha256').update(username).update('\u0000').update(password).digest('base64url');
  }

  has(username: string, password: string): boolean {
    const key = this.key(username, password);
    const expires = this.entries.get(key);
    if (expires === undefined) return false;
    if (expires <= this.clock()) {
      this.entries.delete(key);
      return false;
    }
    return true;
  }

  /** True when the pair was verified recently; otherwise runs `check` once for all concurrent callers. */
  async verify(username: string, password: string, check: () => Promise<boolean>): Promise<boolean> {
    if (this.has(username, password)) return true;
    const key = this.key(username, password);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = check().then((ok) => {
        if (ok) this.remember(username, password);
        return ok;
      });
      this.inFlight.set(key, pending);
      void pending.finally(() => this.inFlight.delete(key)).catch(() => {});
    }
    return pending;
  }

  clear(): void {
    this.entries.clear();
  }

  remember(username: string, password: string): void {
    this.entries.set(this.key(username, password), this.clock() + this.ttlMs);
  }
}
