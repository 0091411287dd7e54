/**
 * The access-token grant index covers only the tokens that have a grant (codes and refresh tokens):
 * client_credentials tokens carry none, and every insert of one still wrote a leaf page of the index
 * (the NULLs) into the commit. The only query on the column, revoking a grant's tokens, compares it
 * with `=`, which implies `IS NOT NULL`, so SQLite and PostgreSQL both still use the index for it.
 */
import { sql, type Kysely, type Migration } from 'kysely';

const INDEX = 'access_tokens_grant_id_idx';
const COLUMNS = ['grant_id', 'tenant_id', 'server_id'];

export const partialGrantIndexMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex(INDEX).ifExists().execute();
    await db.schema.createIndex(INDEX).on('access_tokens').columns(COLUMNS).where(sql.ref('grant_id'), 'is not', null).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex(INDEX).ifExists().execute();
    await db.schema.createIndex(INDEX).on('access_tokens').columns(COLUMNS).execute();
  },
};
