import type { Kysely } from 'kysely';
import type { RefreshTokenRecord, ServerRef } from '../../api/model.ts';
import type { RefreshTokenRepository } from '../repositories.ts';
import type { Database } from './database-schema.ts';
import { refreshTokenFromRow, refreshTokenToRow } from './row-mapping.ts';
import { revokeRows } from './revoke-rows.ts';

export function createRefreshTokenRepository(db: Kysely<Database>): RefreshTokenRepository {
  return {
    async create(token: RefreshTokenRecord): Promise<void> {
      await db.insertInto('refresh_tokens').values(refreshTokenToRow(token)).execute();
    },

    async get(ref: ServerRef, id: string): Promise<RefreshTokenRecord | null> {
      const row = await db
        .selectFrom('refresh_tokens')
        .selectAll()
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? refreshTokenFromRow(row) : null;
    },

    async markUsed(ref: ServerRef, id: string, now: number): Promise<boolean> {
      // Conditional UPDATE: only one caller can move used_at off NULL. Expiry is deliberately not
      // checked here; an expired token is rejected by the caller, not treated as reuse.
      const result = await db
        .updateTable('refresh_tokens')
        .set({ used_at: now })
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('revoked', '=', 0)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** How many tokens of the family this call revoked. */
    async revokeFamily(ref: ServerRef, familyId: string): Promise<number> {
      return revokeRows(db, 'refresh_tokens', ref, 'family_id', familyId);
    },

    /** True when this call revoked it; false when unknown or already revoked. */
    async revoke(ref: ServerRef, id: string): Promise<boolean> {
      return (await revokeRows(db, 'refresh_tokens', ref, 'id', id)) > 0;
    },
  };
}
