/** RFC 9449 §5.2: the client registration field `dpop_bound_access_tokens` (a flag, false for every existing client). */
import type { Kysely, Migration } from 'kysely';

export const dpopBoundAccessTokensMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('clients').addColumn('dpop_bound_access_tokens', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('clients').dropColumn('dpop_bound_access_tokens').execute();
  },
};
