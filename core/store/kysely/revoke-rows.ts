import type { Kysely } from 'kysely';
import type { ServerRef } from '../../api/model.ts';
import type { Database } from './database-schema.ts';

/** The token tables, and the columns a revocation selects their rows by. */
type RevocableTable = 'access_tokens' | 'refresh_tokens';
type RevokedBy<T extends RevocableTable> = Extract<'id' | 'grant_id' | 'family_id', keyof Database[T]>;

/**
 * Marks the server's not yet revoked rows whose `column` is `value` revoked, and returns how many
 * this call revoked: a row someone else revoked first is not counted, so exactly one caller sees it.
 */
export async function revokeRows<T extends RevocableTable>(db: Kysely<Database>, table: T, ref: ServerRef, column: RevokedBy<T>, value: string): Promise<number> {
  // Both tables carry the key and revoked columns; the union hides that `column` is a string column.
  const tokens: RevocableTable = table;
  const result = await db
    .updateTable(tokens)
    .set({ revoked: 1 })
    .where('tenant_id', '=', ref.tenantId)
    .where('server_id', '=', ref.serverId)
    .where(column as 'id', '=', value)
    .where('revoked', '=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
