import type { Kysely } from 'kysely';
import type { ServerRef, User } from '../../api/model.ts';
import { DuplicateKeyError, type UserRepository } from '../repositories.ts';
import type { Database } from './database-schema.ts';
import { userFromRow, userToRow } from './row-mapping.ts';

export function createUserRepository(db: Kysely<Database>): UserRepository {
  return {
    async create(user: User): Promise<User> {
      // Conflicts on the id or on the username (both unique per server) insert nothing.
      const result = await db.insertInto('users').values(userToRow(user)).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) {
        throw new DuplicateKeyError(`user ${user.id} (${user.username}) on ${user.tenantId}/${user.serverId}`);
      }
      return user;
    },

    async getByUsername(ref: ServerRef, username: string): Promise<User | null> {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('username', '=', username)
        .executeTakeFirst();
      return row ? userFromRow(row) : null;
    },

    async getById(ref: ServerRef, id: string): Promise<User | null> {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? userFromRow(row) : null;
    },

    async list(ref: ServerRef): Promise<User[]> {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .orderBy('username')
        .execute();
      return rows.map(userFromRow);
    },

    async updatePassword(ref: ServerRef, id: string, passwordHash: string): Promise<void> {
      await db
        .updateTable('users')
        .set({ password_hash: passwordHash })
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('id', '=', id)
        .execute();
    },

    async delete(ref: ServerRef, id: string): Promise<boolean> {
      const result = await db
        .deleteFrom('users')
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
