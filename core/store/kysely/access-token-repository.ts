import type { Selectable } from 'kysely';
import type { AccessTokenRecord, ServerRef } from '../../api/model.ts';
import type { AccessTokenRepository } from '../repositories.ts';
import type { QueryExecutor } from '../query-executor.ts';
import type { AccessTokensTable } from './database-schema.ts';
import { accessTokenFromRow, accessTokenToRow } from './row-mapping.ts';
import { revokeRows } from './revoke-rows.ts';

/** The columns of an access-token row, in one fixed order (the insert binds them in this order). */
const COLUMNS = Object.keys(
  accessTokenToRow({
    tenantId: '', serverId: '', id: '', format: 'opaque', clientId: '', subject: null, username: null, scopes: [], audience: [],
    issuedAt: 0, expiresAt: 0, confirmation: null, grantId: null, revoked: false,
  }),
) as (keyof AccessTokensTable)[];

export function createAccessTokenRepository(executor: QueryExecutor): AccessTokenRepository {
  const { db } = executor;
  // Issuing and introspecting run these on every request (see query-executor.ts).
  const insert = executor.prepare<unknown[], never>(COLUMNS.length, (...values) =>
    db.insertInto('access_tokens').values(Object.fromEntries(COLUMNS.map((c, i) => [c, values[i]])) as never),
  );
  const byId = executor.prepare<[string, string, string], Selectable<AccessTokensTable>>(3, (tenant, server, id) =>
    db.selectFrom('access_tokens').selectAll().where('tenant_id', '=', tenant).where('server_id', '=', server).where('id', '=', id),
  );
  // On SQLite the inserts of concurrent requests are committed together; each still resolves only
  // once its row is committed, so a token is never answered before it is stored.
  const insertGrouped = executor.groupInserts(insert);
  return {
    async create(token: AccessTokenRecord): Promise<void> {
      const row = accessTokenToRow(token);
      await insertGrouped(COLUMNS.map((c) => row[c]));
    },

    async get(ref: ServerRef, id: string): Promise<AccessTokenRecord | null> {
      const { rows } = await byId.execute(ref.tenantId, ref.serverId, id);
      return rows[0] ? accessTokenFromRow(rows[0]) : null;
    },

    /** True when this call revoked it; false when unknown or already revoked. */
    async revoke(ref: ServerRef, id: string): Promise<boolean> {
      return (await revokeRows(db, 'access_tokens', ref, 'id', id)) > 0;
    },

    /** How many tokens this call revoked (already revoked ones are not counted). */
    async revokeByGrant(ref: ServerRef, grantId: string): Promise<number> {
      return revokeRows(db, 'access_tokens', ref, 'grant_id', grantId);
    },
  };
}
