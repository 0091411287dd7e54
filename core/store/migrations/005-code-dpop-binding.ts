/**
 * RFC 9449 §10: an authorization code bound to a DPoP key (`dpop_jkt` at /authorize or PAR, or the
 * DPoP proof sent with PAR). Null for every existing code: those stay unbound, as they were issued.
 */
import type { Kysely, Migration } from 'kysely';

export const codeDpopBindingMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('authorization_codes').addColumn('dpop_jkt', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('authorization_codes').dropColumn('dpop_jkt').execute();
  },
};
