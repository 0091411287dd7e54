import type { Kysely } from 'kysely';
import type { AccessTokenRecord, ServerRef } from '../../api/model.ts';
import type { AccessTokenRepository } from '../repositories.ts';
import type { Database } from './database-schema.ts';
import { accessTokenFromRow, accessTokenToRow } from './row-mapping.ts';

export function createAccessTokenRepository(db: Kysely<Database>): AccessTokenRepository {
  return {
    async create(token: AccessTokenRecord): Promise<void> {
      await db.insertInto('access_tokens').values(accessTokenToRow(token)).execute();
    },

    async get(ref: ServerRef, id: string): Promise<AccessTokenRecord | null> {
      const row = await db
        .selectFrom('access_tokens')
        .selectAll()
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? accessTokenFromRow(row) : null;
    },

    /** True when this call revoked it; false when unknown or already revoked. */
    async revoke(ref: ServerRef, id: string): Promise<boolean> {
      const result = await db
        .updateTable('access_tokens')
        .set({ revoked: 1 })
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('id', '=', id)
        .where('revoked', '=', 0)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** How many tokens this call revoked (already revoked ones are not counted). */
    async revokeByGrant(ref: ServerRef, grantId: string): Promise<number> {
      const result = await db
        .updateTable('access_tokens')
        .set({ revoked: 1 })
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('grant_id', '=', grantId)
        .where('revoked', '=', 0)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
