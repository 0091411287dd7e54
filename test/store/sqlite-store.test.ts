import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../core/store/open-store.ts';
import { StoreUnavailableError } from '../../core/store/repositories.ts';
import { openSqlite } from '../../core/store/sqlite.ts';
import { describeStoreContract } from './store-contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
// A nested path: openStore must create the parent folder.
const file = join(dir, 'nested', 'folder', 'tessera.sqlite');

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('sqlite, fast path on', () => openStore({ url: null, sqliteFile: file }));
// The fast path (query-executor.ts) must change nothing but speed: the same contract on plain kysely.
describeStoreContract('sqlite, fast path off (plain kysely)', () => openStore({ url: null, sqliteFile: join(dir, 'plain', 'tessera.sqlite'), fastPath: false }));

function appliedMigrations(path: string): string[] {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.prepare('select name from kysely_migration order by name').all().map((row) => (row as { name: string }).name);
  } finally {
    db.close();
  }
}

describe('SQLite store specifics', () => {
  it('opens SQLite for an empty url, with WAL, foreign keys, NORMAL sync and a busy timeout', async () => {
    const store = await openStore({ url: '', sqliteFile: file });
    expect(store.kind).toBe('sqlite');
    await store.close();

    const { db } = openSqlite(file);
    try {
      const pragma = async (name: string) => Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db)).rows[0] ?? {})[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('synchronous')).toBe(1); // NORMAL
      expect(await pragma('busy_timeout')).toBe(5000);
    } finally {
      await db.destroy();
    }
  });

  it('applies each migration once however often it is opened', async () => {
    for (let i = 0; i < 3; i++) await (await openStore({ sqliteFile: file })).close();
    expect(appliedMigrations(file)).toEqual(['001-initial', '002-lookup-indexes', '003-dpop-bound-access-tokens', '004-fapi-profile', '005-code-dpop-binding', '006-partial-grant-index']);
  });

  it('survives several processes migrating a fresh file at once', async () => {
    const fresh = join(dir, 'race', 'tessera.sqlite');
    const script = join(dir, 'open-store.mts');
    const openStoreModule = resolve(import.meta.dirname, '../../core/store/open-store.ts');
    writeFileSync(
      script,
      `import { openStore } from ${JSON.stringify(openStoreModule)};\n` +
        `const store = await openStore({ sqliteFile: process.argv[2] });\n` +
        `await store.tenants.ensure('t-' + process.pid);\n` +
        `await store.close();\n`,
    );
    const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', script, fresh], { cwd: resolve(import.meta.dirname, '../..') });
    await Promise.all([run(), run(), run()]);
    expect(appliedMigrations(fresh)).toEqual(['001-initial', '002-lookup-indexes', '003-dpop-bound-access-tokens', '004-fapi-profile', '005-code-dpop-binding', '006-partial-grant-index']);
    const store = await openStore({ sqliteFile: fresh });
    try {
      expect(await store.tenants.list()).toHaveLength(3);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("keeps tokens without a grant out of the grant index, and revokes a grant's tokens through it", async () => {
    const store = await openStore({ url: null, sqliteFile: file });
    await store.close();
    const db = new BetterSqlite3(file);
    try {
      const definition = db.prepare("select sql from sqlite_master where name = 'access_tokens_grant_id_idx'").get() as { sql: string };
      expect(definition.sql).toMatch(/where "grant_id" is not null$/i);
      // The statement revokeRows (kysely/revoke-rows.ts) runs, with its values bound.
      const plan = db
        .prepare('explain query plan update "access_tokens" set "revoked" = ? where "tenant_id" = ? and "server_id" = ? and "grant_id" = ? and "revoked" = ?')
        .all(1, 'carbon.super', 'default', 'g', 0) as { detail: string }[];
      expect(plan.map((row) => row.detail).join('\n')).toContain('USING INDEX access_tokens_grant_id_idx');
    } finally {
      db.close();
    }
  });

  it('throws StoreUnavailableError when the file is not a database', async () => {
    const garbage = join(dir, 'garbage.sqlite');
    writeFileSync(garbage, 'this is not an SQLite database, just some bytes that are long enough '.repeat(20));
    await expect(openStore({ sqliteFile: garbage })).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('throws StoreUnavailableError when the file cannot be opened', async () => {
    // The database path is an existing directory.
    await expect(openStore({ sqliteFile: dir })).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('rejects a url that is neither empty nor PostgreSQL', async () => {
    const attempt = openStore({ url: 'mysql://user:secret@db/tessera', sqliteFile: file });
    await expect(attempt).rejects.toThrow(/unsupported store url/);
    await expect(attempt).rejects.not.toThrow(/secret/);
  });
});
