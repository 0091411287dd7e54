/** What a test server's SQLite file holds, read beside the server (read-only): the store's own view, not an endpoint's. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { TestServer } from './test-server.ts';

/** Access-token rows that are stored and not revoked. */
export function liveAccessTokens(server: TestServer): number {
  const db = new Database(join(server.dir, 'data', 'tessera.db'), { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM access_tokens WHERE revoked = 0').get() as { n: number }).n;
  } finally {
    db.close();
  }
}
