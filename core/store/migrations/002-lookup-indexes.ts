/**
 * The grant and family indexes lead with their own column instead of (tenant_id, server_id).
 *
 * PostgreSQL plans a table that has grown since it was last analyzed (a new deployment under load,
 * before autovacuum's first ANALYZE) with default selectivities, which rate both the primary key and
 * an index on (tenant_id, server_id, grant_id) at one row for a lookup by token id: it took the grant
 * index and filtered every token of the server by id. Introspection on a fresh cluster ran at
 * 5-20 ms per call on 10k tokens. Led by grant_id / family_id, these indexes can serve only the
 * queries that name that column, whatever the statistics say.
 */
import type { Kysely, Migration } from 'kysely';

const REBUILT = [
  { table: 'access_tokens', old: 'access_tokens_grant_idx', name: 'access_tokens_grant_id_idx', lead: 'grant_id' },
  { table: 'refresh_tokens', old: 'refresh_tokens_family_idx', name: 'refresh_tokens_family_id_idx', lead: 'family_id' },
] as const;

export const lookupIndexesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const { table, old, name, lead } of REBUILT) {
      await db.schema.dropIndex(old).ifExists().execute();
      await db.schema.createIndex(name).on(table).columns([lead, 'tenant_id', 'server_id']).execute();
    }
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const { table, old, name, lead } of REBUILT) {
      await db.schema.dropIndex(name).ifExists().execute();
      await db.schema.createIndex(old).on(table).columns(['tenant_id', 'server_id', lead]).execute();
    }
  },
};
