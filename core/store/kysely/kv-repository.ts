import { sql, type Kysely } from 'kysely';
import type { KeyValueRepository } from '../repositories.ts';
import type { Database } from './database-schema.ts';

export function createKeyValueRepository(db: Kysely<Database>): KeyValueRepository {
  return {
    async putIfAbsent(key: string, value: string, expiresAt: number, now: number): Promise<boolean> {
      // Insert, or take over an expired row; an unexpired row makes the upsert's WHERE false so
      // nothing is written and the count is 0. Concurrent callers: the database serialises the
      // conflicting inserts, and only the first sees no live row.
      const result = await db
        .insertInto('kv')
        .values({ key, value, expires_at: expiresAt })
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), expires_at: eb.ref('excluded.expires_at') }))
            .where('kv.expires_at', '<=', now),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    async put(key: string, value: string, expiresAt: number): Promise<void> {
      await db
        .insertInto('kv')
        .values({ key, value, expires_at: expiresAt })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), expires_at: eb.ref('excluded.expires_at') })),
        )
        .execute();
    },

    async get(key: string, now: number): Promise<string | null> {
      const row = await db
        .selectFrom('kv')
        .select('value')
        .where('key', '=', key)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row ? row.value : null;
    },

    async delete(key: string): Promise<void> {
      await db.deleteFrom('kv').where('key', '=', key).execute();
    },

    async increment(key: string, by: number, expiresAt: number, now: number): Promise<number> {
      if (!Number.isSafeInteger(by)) throw new RangeError(`kv.increment: by must be an integer, got ${by}`);
      // One statement, so concurrent increments never lose an update. The counter lives in the
      // text `value` column (cast on both dialects); an expired counter restarts at `by` with the
      // new expiry, a live one keeps its window. `by` is cast too: better-sqlite3 binds JS numbers
      // as REAL, which would turn the counter into '3.0'.
      const expired = sql<boolean>`${sql.ref('kv.expires_at')} <= ${now}`;
      const row = await db
        .insertInto('kv')
        .values({ key, value: String(by), expires_at: expiresAt })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            value: sql<string>`case when ${expired} then ${sql.ref('excluded.value')} else cast(cast(${sql.ref('kv.value')} as bigint) + cast(${by} as bigint) as text) end`,
            expires_at: sql<number>`case when ${expired} then ${sql.ref('excluded.expires_at')} else ${sql.ref('kv.expires_at')} end`,
          }),
        )
        .returning('value')
        .executeTakeFirstOrThrow();
      return Number(row.value);
    },
  };
}
