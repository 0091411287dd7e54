/**
 * Remembers successful Basic verifications for a short time: the super admin's password is checked
 * with scrypt (~50 ms), which Swagger UI and scripts would otherwise pay on every call. Only successes
 * are cached, keyed by a SHA-256 of the pair (the password itself is never kept), in memory only, so
 * a wrong one is never served from here; a changed password (a node restarted with a new
 * `[super_admin] password`) empties the cache of every node through the invalidation bus.
 */
import { createHash } from 'node:crypto';

export class CredentialCache {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 256,
    private readonly clock: () => number = Date.now,
  ) {}

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

  clear(): void {
    this.entries.clear();
  }

  remember(username: string, password: string): void {
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(this.key(username, password), this.clock() + this.ttlMs);
  }
}
