/**
 * SQLite commits the access-token inserts of concurrent requests together (one transaction per turn
 * of the event loop). Each insert must still settle on its own: resolved once its row is committed,
 * refused alone when it breaks a constraint, and the batch rolled back when the database fails.
 * The same holds, insert by insert, with the fast path off (plain kysely).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessTokenRecord } from '../../core/api/model.ts';
import { createKyselyStore } from '../../core/store/kysely/kysely-store.ts';
import { migrateToLatest } from '../../core/store/migrate.ts';
import { openStore } from '../../core/store/open-store.ts';
import { openSqlite } from '../../core/store/sqlite.ts';
import type { Store } from '../../core/store/repositories.ts';

const REF = { tenantId: 'default', serverId: 'default' };
const NOW = Math.floor(Date.now() / 1000);

function token(id: string): AccessTokenRecord {
  return {
    ...REF, id, format: 'opaque', clientId: 'c', subject: null, username: null, scopes: ['a'], audience: ['c'],
    issuedAt: NOW, expiresAt: NOW + 3600, confirmation: { 'x5t#S256': 'thumb' }, grantId: `g-${id}`, revoked: false,
  };
}

describe.each([true, false])('SQLite access-token inserts, fast path %s', (fastPath) => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-group-commit-'));
    store = await openStore({ sqliteFile: join(dir, 'tessera.db'), fastPath });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every row of a concurrent burst, each readable once its insert resolved', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    await Promise.all(
      ids.map(async (id) => {
        await store.accessTokens.create(token(id));
        expect((await store.accessTokens.get(REF, id))?.grantId).toBe(`g-${id}`);
      }),
    );
  });

  it('refuses a duplicate alone; the rest of its batch is committed', async () => {
    await store.accessTokens.create(token('taken'));
    const results = await Promise.allSettled([
      store.accessTokens.create(token('fresh-1')),
      store.accessTokens.create(token('taken')),
      store.accessTokens.create(token('fresh-2')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE|constraint/i);
    expect(await store.accessTokens.get(REF, 'fresh-1')).not.toBeNull();
    expect(await store.accessTokens.get(REF, 'fresh-2')).not.toBeNull();
  });

  it('never commits inside a kysely transaction that is open on the connection: a rolled-back transaction keeps tokens issued meanwhile', async () => {
    const executor = openSqlite(join(dir, 'interleaved.db'), { fastPath });
    const { db } = executor;
    await migrateToLatest(db, { kind: 'sqlite' });
    const interleaved = createKyselyStore(executor);
    let issued: Promise<void> | undefined;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.deleteFrom('kv').execute();
        // Issued while the transaction waits between statements; its batch must wait its turn.
        issued = interleaved.accessTokens.create(token('during-transaction'));
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await issued;
    expect((await interleaved.accessTokens.get(REF, 'during-transaction'))?.grantId).toBe('g-during-transaction');
    await interleaved.close();
  });

  it('fails every insert of a batch when the database is gone, and stores none of them', async () => {
    const other = await openStore({ sqliteFile: join(dir, 'closing.db'), fastPath });
    const pending = [other.accessTokens.create(token('lost-1')), other.accessTokens.create(token('lost-2'))];
    await other.close();
    const results = await Promise.allSettled(pending);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
