import type { Selectable } from 'kysely';
import type { Client, ServerRef } from '../../api/model.ts';
import { DuplicateKeyError, type ClientRepository } from '../repositories.ts';
import type { QueryExecutor } from '../query-executor.ts';
import type { ClientsTable } from './database-schema.ts';
import { clientFromRow, clientMutableColumns, clientToRow } from './row-mapping.ts';

export function createClientRepository(executor: QueryExecutor): ClientRepository {
  const { db } = executor;
  // Every client authentication looks the client up (see query-executor.ts).
  const byId = executor.prepare<[string, string, string], Selectable<ClientsTable>>(3, (tenant, server, clientId) =>
    db.selectFrom('clients').selectAll().where('tenant_id', '=', tenant).where('server_id', '=', server).where('client_id', '=', clientId),
  );
  return {
    async create(client: Client): Promise<Client> {
      // ON CONFLICT DO NOTHING instead of catching a unique violation: same SQL on both dialects
      // and no aborted transaction on PostgreSQL.
      const result = await db.insertInto('clients').values(clientToRow(client)).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) {
        throw new DuplicateKeyError(`client ${client.clientId} on ${client.tenantId}/${client.serverId}`);
      }
      return client;
    },

    async get(ref: ServerRef, clientId: string): Promise<Client | null> {
      const { rows } = await byId.execute(ref.tenantId, ref.serverId, clientId);
      return rows[0] ? clientFromRow(rows[0]) : null;
    },

    async list(ref: ServerRef): Promise<Client[]> {
      const rows = await db
        .selectFrom('clients')
        .selectAll()
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .orderBy('client_id')
        .execute();
      return rows.map(clientFromRow);
    },

    async listByTenant(tenantId: string): Promise<Client[]> {
      const rows = await db
        .selectFrom('clients')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('server_id')
        .orderBy('client_id')
        .execute();
      return rows.map(clientFromRow);
    },

    async update(client: Client): Promise<Client> {
      const row = await db
        .updateTable('clients')
        .set(clientMutableColumns(client))
        .where('tenant_id', '=', client.tenantId)
        .where('server_id', '=', client.serverId)
        .where('client_id', '=', client.clientId)
        .returningAll()
        .executeTakeFirst();
      // Updating a client that is not there is a caller bug; silently succeeding would hide it.
      if (!row) throw new Error(`client ${client.clientId} does not exist on ${client.tenantId}/${client.serverId}`);
      return clientFromRow(row);
    },

    async delete(ref: ServerRef, clientId: string): Promise<boolean> {
      const result = await db
        .deleteFrom('clients')
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
