import type { Kysely, Updateable } from 'kysely';
import type { ServerRef } from '../../api/model.ts';
import {
  DuplicateKeyError,
  type AuthorizationServerRecord,
  type NewServer,
  type ServerRepository,
} from '../repositories.ts';
import { SERVER_SCOPED_TABLES, type Database, type ServersTable } from './database-schema.ts';
import { nowSeconds, serverFromRow, serverToRow } from './row-mapping.ts';

export function createServerRepository(db: Kysely<Database>): ServerRepository {
  async function get(ref: ServerRef): Promise<AuthorizationServerRecord | null> {
    const row = await db
      .selectFrom('servers')
      .selectAll()
      .where('tenant_id', '=', ref.tenantId)
      .where('server_id', '=', ref.serverId)
      .executeTakeFirst();
    return row ? serverFromRow(row) : null;
  }

  return {
    get,

    async create(server: NewServer): Promise<AuthorizationServerRecord> {
      const record: AuthorizationServerRecord = {
        tenantId: server.tenantId,
        serverId: server.serverId,
        name: server.name,
        issuer: server.issuer,
        accessTokenFormat: server.accessTokenFormat,
        profile: server.profile ?? 'none',
        createdAt: nowSeconds(),
      };
      // servers.tenant_id references tenants; creating a server implies its tenant.
      await db
        .insertInto('tenants')
        .values({ tenant_id: record.tenantId, name: record.tenantId, created_at: record.createdAt })
        .onConflict((oc) => oc.column('tenant_id').doNothing())
        .execute();
      const result = await db
        .insertInto('servers')
        .values(serverToRow(record))
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) {
        throw new DuplicateKeyError(`authorization server ${record.tenantId}/${record.serverId}`);
      }
      return record;
    },

    async list(tenantId: string): Promise<AuthorizationServerRecord[]> {
      const rows = await db.selectFrom('servers').selectAll().where('tenant_id', '=', tenantId).orderBy('server_id').execute();
      return rows.map(serverFromRow);
    },

    async update(ref, patch): Promise<AuthorizationServerRecord | null> {
      const set: Updateable<ServersTable> = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.issuer !== undefined) set.issuer = patch.issuer;
      if (patch.accessTokenFormat !== undefined) set.access_token_format = patch.accessTokenFormat;
      if (patch.profile !== undefined) set.profile = patch.profile;
      if (Object.keys(set).length === 0) return get(ref);
      const row = await db
        .updateTable('servers')
        .set(set)
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .returningAll()
        .executeTakeFirst();
      return row ? serverFromRow(row) : null;
    },

    async delete(ref: ServerRef): Promise<boolean> {
      // One transaction, so a server is never left half-deleted.
      return db.transaction().execute(async (trx) => {
        for (const table of SERVER_SCOPED_TABLES) {
          await trx
            .deleteFrom(table)
            .where('tenant_id', '=', ref.tenantId)
            .where('server_id', '=', ref.serverId)
            .execute();
        }
        const result = await trx
          .deleteFrom('servers')
          .where('tenant_id', '=', ref.tenantId)
          .where('server_id', '=', ref.serverId)
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },
  };
}
