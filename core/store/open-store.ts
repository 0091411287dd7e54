/**
 * Opens the store the configuration asks for: PostgreSQL when `url` is a postgres URL, else the
 * embedded SQLite file. Migrates the schema before returning.
 */
import { createKyselyStore } from './kysely/kysely-store.ts';
import { migrateToLatest } from './migrate.ts';
import { currentSchema, ensureSchema, openPostgres } from './postgres.ts';
import { StoreUnavailableError, type Store } from './repositories.ts';
import { kyselyExecutor, type QueryExecutor } from './query-executor.ts';
import { REQUEST_BUSY_WAIT_MS, openSqlite } from './sqlite.ts';
import { isUnavailableError } from './unavailable.ts';

export interface OpenStoreOptions {
  /** `postgres://` / `postgresql://` URL; empty or null for SQLite. */
  url?: string | null;
  /** The SQLite database file (its folder is created); ignored for PostgreSQL. */
  sqliteFile: string;
  /** PostgreSQL schema to use (created if absent); default: the connection's search_path. */
  schema?: string;
  /** PostgreSQL pool size, default 10. */
  poolSize?: number;
  /** The query executor's fast path (see query-executor.ts); default on. Off: plain kysely. */
  fastPath?: boolean;
}

function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

/** Connection failures while opening become `StoreUnavailableError`, like on every later call. */
function unavailable(error: unknown): unknown {
  return isUnavailableError(error) && !(error instanceof StoreUnavailableError) ? new StoreUnavailableError(error) : error;
}

async function initialise(executor: QueryExecutor, schema: string | undefined): Promise<void> {
  const { db, kind } = executor;
  if (kind === 'sqlite') {
    await migrateToLatest(db, { kind });
    // From here on a lock held by another process is waited for asynchronously (guard in unavailable.ts).
    executor.setBusyTimeout(REQUEST_BUSY_WAIT_MS);
    return;
  }
  if (schema !== undefined) await ensureSchema(db, schema);
  const resolved = await currentSchema(db);
  // A URL `options` parameter could override the search_path; never migrate into the wrong schema.
  if (schema !== undefined && resolved !== schema) {
    throw new Error(`PostgreSQL search_path resolves to schema ${resolved}, expected ${schema}`);
  }
  await migrateToLatest(db, { kind, migrationTableSchema: resolved });
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.url?.trim() ?? '';
  if (url !== '' && !isPostgresUrl(url)) {
    throw new Error(`unsupported store url ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//***@'))}: expected postgres:// or postgresql://`);
  }
  const kind: Store['kind'] = url === '' ? 'sqlite' : 'postgres';

  const executorOptions = { fastPath: options.fastPath };
  let executor: QueryExecutor;
  try {
    executor =
      kind === 'sqlite'
        ? openSqlite(options.sqliteFile, executorOptions)
        : kyselyExecutor(openPostgres(url, { schema: options.schema, poolSize: options.poolSize }), kind, executorOptions);
  } catch (error) {
    throw unavailable(error);
  }
  try {
    await initialise(executor, options.schema);
  } catch (error) {
    await executor.destroy().catch(() => undefined);
    throw unavailable(error);
  }
  return createKyselyStore(executor);
}
