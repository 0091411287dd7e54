import type { Kysely } from 'kysely';
import type { AuthorizationCodeRecord, ServerRef } from '../../api/model.ts';
import type { AuthorizationCodeRepository } from '../repositories.ts';
import type { Database } from './database-schema.ts';
import { codeFromRow, codeToRow } from './row-mapping.ts';

export function createCodeRepository(db: Kysely<Database>): AuthorizationCodeRepository {
  return {
    async create(code: AuthorizationCodeRecord): Promise<void> {
      await db.insertInto('authorization_codes').values(codeToRow(code)).execute();
    },

    async redeem(ref: ServerRef, id: string, now: number) {
      // One conditional UPDATE is the whole race: the database lets exactly one caller flip
      // redeemed_at from NULL (PostgreSQL re-checks the WHERE after waiting on the row lock).
      const redeemed = await db
        .updateTable('authorization_codes')
        .set({ redeemed_at: now })
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('id', '=', id)
        .where('redeemed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      if (redeemed) return { redeemed: codeFromRow(redeemed) };

      const row = await db
        .selectFrom('authorization_codes')
        .selectAll()
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return null;
      // A redeemed code presented again is reuse even once expired: the caller must still revoke
      // what it issued (RFC 6749 §4.1.2). A never-redeemed expired code is just invalid.
      if (row.redeemed_at !== null) return { reused: codeFromRow(row) };
      return null;
    },
  };
}
