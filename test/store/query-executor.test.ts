/**
 * The query executor's switch: with the fast path a request-path query is compiled once and run on
 * the connection directly; without it, kysely builds and runs it on every call. Both give the same rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../core/store/migrate.ts';
import type { QueryExecutor } from '../../core/store/query-executor.ts';
import { openSqlite } from '../../core/store/sqlite.ts';

describe.each([true, false])('query executor, fast path %s', (fastPath) => {
  let dir: string;
  let executor: QueryExecutor;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-executor-'));
    executor = openSqlite(join(dir, 'tessera.db'), { fastPath });
    await migrateToLatest(executor.db, { kind: 'sqlite' });
    await executor.db.insertInto('tenants').values({ tenant_id: 't1', name: 'one', created_at: 1 }).execute();
  });
  afterAll(async () => {
    await executor.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`builds the query ${fastPath ? 'once' : 'on every call'} and gives the same rows`, async () => {
    let builds = 0;
    const byId = executor.prepare<[string], { tenant_id: string }>(1, (id) => {
      builds++;
      return executor.db.selectFrom('tenants').select('tenant_id').where('tenant_id', '=', id);
    });
    expect((await byId.execute('t1')).rows).toEqual([{ tenant_id: 't1' }]);
    expect((await byId.execute('nope')).rows).toEqual([]);
    expect(builds).toBe(fastPath ? 1 : 2);
  });

  if (fastPath) {
    it('refuses to compile a query that does not bind each of its values exactly once', () => {
      const unbound = () => executor.prepare<[string, string], never>(2, (id) => executor.db.selectFrom('tenants').selectAll().where('tenant_id', '=', id) as never);
      expect(unbound).toThrow(/must bind each of its 2 parameters exactly once/);
    });
  }
});
