/**
 * FAPI 2.0 (issue #18): a server's `profile`, and the client fields of RFC 7523 / RFC 9126 —
 * `token_endpoint_auth_signing_alg`, `require_pushed_authorization_requests`, and the secret a
 * `client_secret_jwt` client signs with (the HMAC key itself: a hash cannot verify an HS256 JWT).
 * Added columns with defaults, so every existing row reads as before (profile "none", no PAR required).
 */
import type { Kysely, Migration } from 'kysely';

export const fapiProfileMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('servers').addColumn('profile', 'text', (c) => c.notNull().defaultTo('none')).execute();
    await db.schema.alterTable('clients').addColumn('token_endpoint_auth_signing_alg', 'text').execute();
    await db.schema.alterTable('clients').addColumn('require_pushed_authorization_requests', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('clients').addColumn('jwt_secret', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const column of ['jwt_secret', 'require_pushed_authorization_requests', 'token_endpoint_auth_signing_alg']) {
      await db.schema.alterTable('clients').dropColumn(column).execute();
    }
    await db.schema.alterTable('servers').dropColumn('profile').execute();
  },
};
