import type { Kysely, Selectable } from 'kysely';
import type { AccessTokenRecord, ServerRef } from '../../api/model.ts';
import type { AccessTokenRepository } from '../repositories.ts';
import type { AccessTokensTable, Database } from './database-schema.ts';
import { directSqliteOf } from '../sqlite.ts';
import { type PreparedQuery, prepareQuery } from './prepared-query.ts';
import { accessTokenFromRow, accessTokenToRow } from './row-mapping.ts';

/** The columns of an access-token row, in one fixed order (the insert binds them in this order). */
const COLUMNS = Object.keys(
  accessTokenToRow({
    tenantId: '', serverId: '', id: '', format: 'opaque', clientId: '', subject: null, username: null, scopes: [], audience: [],
    issuedAt: 0, expiresAt: 0, confirmation: null, grantId: null, revoked: false,
  }),
) as (keyof AccessTokensTable)[];

export interface AccessTokenRepositoryOptions {
  /**
   * Commit the inserts of concurrent requests together (SQLite). Each insert still resolves only
   * once its row is committed, so a token is never answered before it is stored; SQLite then
   * writes the shared pages and the WAL commit once per batch instead of once per token.
   */
  groupCommit?: boolean;
}

export function createAccessTokenRepository(db: Kysely<Database>, options: AccessTokenRepositoryOptions = {}): AccessTokenRepository {
  // Issuing and introspecting run these on every request: compiled once (see prepared-query.ts).
  const insert = prepareQuery<unknown[], never>(db, COLUMNS.length, (...markers) =>
    db.insertInto('access_tokens').values(Object.fromEntries(COLUMNS.map((c, i) => [c, markers[i]])) as never),
  );
  const byId = prepareQuery<[string, string, string], Selectable<AccessTokensTable>>(db, 3, (tenant, server, id) =>
    db.selectFrom('access_tokens').selectAll().where('tenant_id', '=', tenant).where('server_id', '=', server).where('id', '=', id),
  );
  const batches = options.groupCommit ? groupCommit(db, insert) : null;
  return {
    async create(token: AccessTokenRecord): Promise<void> {
      const row = accessTokenToRow(token);
      const values = COLUMNS.map((c) => row[c]);
      if (batches) await batches(values);
      else await insert.execute(...values);
    },

    async get(ref: ServerRef, id: string): Promise<AccessTokenRecord | null> {
      const { rows } = await byId.execute(ref.tenantId, ref.serverId, id);
      return rows[0] ? accessTokenFromRow(rows[0]) : null;
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

interface PendingInsert {
  values: unknown[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Inserts requested in the same turn of the event loop are run in one transaction at the end of it
 * (setImmediate). A row that breaks a constraint fails alone (SQLite undoes only that statement);
 * any other error, or a failed commit, rolls the whole batch back and fails every insert in it.
 * The batch runs synchronously on the connection (DirectSqlite) unless a kysely transaction is open
 * on it; then it waits its turn behind that transaction, through kysely.
 */
function groupCommit(db: Kysely<Database>, insert: PreparedQuery<unknown[], never>) {
  let queue: PendingInsert[] = [];

  function flush(): void {
    const batch = queue;
    queue = [];
    const refused = new Map<PendingInsert, unknown>();
    const insertEach = async (run: (values: unknown[]) => unknown) => {
      for (const item of batch) {
        try {
          await run(item.values);
        } catch (error) {
          if (!isConstraintViolation(error)) throw error;
          refused.set(item, error);
        }
      }
    };
    // A refused row fails with its own error; the others with the batch's, if it failed.
    const settle = (error?: unknown) => {
      for (const item of batch) {
        if (refused.has(item)) item.reject(refused.get(item));
        else if (error !== undefined) item.reject(error);
        else item.resolve();
      }
    };
    const direct = directSqliteOf(db);
    if (direct?.available) {
      try {
        direct.transaction(() => {
          for (const item of batch) {
            try {
              insert.executeNow(...item.values);
            } catch (error) {
              if (!isConstraintViolation(error)) throw error;
              refused.set(item, error);
            }
          }
        });
      } catch (error) {
        settle(error);
        return;
      }
      settle();
      return;
    }
    db.transaction()
      .execute((trx) => insertEach((values) => insert.executeOn(trx, ...values)))
      .then(() => settle(), settle);
  }

  return (values: unknown[]) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ values, resolve, reject });
      if (queue.length === 1) setImmediate(flush);
    });
}

function isConstraintViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}
