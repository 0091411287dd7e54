/** The embedded default: one better-sqlite3 connection, shared by kysely's SqliteDialect. */
import { statSync } from 'node:fs';
import { PRIVATE_FILE_MODE, createPrivateDir, createPrivateFile, restrictFiles } from '../files/private-files.ts';

const fileMode = (file: string) => statSync(file).mode & 0o777;
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type QueryResult, type SqliteDatabase } from 'kysely';
import type { Database } from './kysely/database-schema.ts';
import { LOCK_WAIT_MS } from './unavailable.ts';

/**
 * How long a statement waits for another process's lock before SQLITE_BUSY, in milliseconds: the
 * whole LOCK_WAIT_MS while the store opens and migrates (several processes may migrate one file at
 * once). SQLite waits by sleeping in the calling thread — the event loop — so once open the store
 * waits only REQUEST_BUSY_WAIT_MS per attempt and guard() retries on a timer up to LOCK_WAIT_MS.
 */
const BUSY_TIMEOUT_MS = LOCK_WAIT_MS;
export const REQUEST_BUSY_WAIT_MS = 20;

export function openSqlite(file: string): Kysely<Database> {
  // Owner-only: the file holds private keys and sessions; -wal and -shm inherit its mode.
  createPrivateDir(dirname(file));
  createPrivateFile(file);
  const sqlite = new BetterSqlite3(file);
  try {
    // busy_timeout first: switching to WAL itself needs the lock another process may hold.
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL: readers never block the writer; NORMAL is durable across crashes of the process in
    // WAL mode (only an OS crash can lose the last commits), and much faster than FULL.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    // In case SQLite created them under another rule (e.g. an older file with a wider mode).
    if (fileMode(file) === PRIVATE_FILE_MODE) restrictFiles(`${file}-wal`, `${file}-shm`);
  } catch (error) {
    // e.g. SQLITE_NOTADB: the file exists but is not a database.
    sqlite.close();
    throw error;
  }
  const cached = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
  directBy.set(db, directSqlite(sqlite, cached));
  return db;
}

/**
 * Runs a compiled statement synchronously on the connection kysely uses, past kysely's promise
 * queue: on the token endpoint that queue (a connection mutex, several promise hops per query and
 * their garbage) cost more than SQLite running the statement. Only between transactions — while one
 * is open on the connection (a kysely transaction awaiting its next statement, the health check's
 * `begin immediate`), a statement run here would become part of it, so callers go through kysely.
 */
export interface DirectSqlite {
  /** Whether a statement may run here now: the connection is open and no transaction is. */
  readonly available: boolean;
  /** The same result kysely's SQLite driver gives. Throws what better-sqlite3 throws. */
  execute<R>(sql: string, parameters: readonly unknown[]): QueryResult<R>;
  /** `run` inside BEGIN … COMMIT (rolled back if it throws). */
  transaction(run: () => void): void;
  /**
   * Takes the write lock and lets it go, failing with SQLITE_BUSY at once rather than after
   * busy_timeout when another process holds it. Synchronous, so no other statement runs meanwhile
   * with the timeout switched off.
   */
  probeWriteLock(): void;
  /** Sets how long a statement sleeps, blocking the event loop, for another process's lock. */
  setBusyTimeout(ms: number): void;
}

const directBy = new WeakMap<Kysely<Database>, DirectSqlite>();

/** The direct path of a kysely instance from openSqlite; undefined for PostgreSQL. */
export function directSqliteOf(db: Kysely<Database>): DirectSqlite | undefined {
  return directBy.get(db);
}

function directSqlite(sqlite: BetterSqlite3.Database, statements: SqliteDatabase): DirectSqlite {
  return {
    get available() {
      return sqlite.open && !sqlite.inTransaction;
    },
    execute<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> {
      const statement = statements.prepare(sql) as BetterSqlite3.Statement;
      if (statement.reader) return { rows: statement.all(parameters) as R[] };
      const { changes, lastInsertRowid } = statement.run(parameters);
      return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
    },
    transaction(run: () => void): void {
      sqlite.transaction(run)();
    },
    probeWriteLock(): void {
      const timeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
      sqlite.pragma('busy_timeout = 0');
      try {
        sqlite.exec('begin immediate');
        sqlite.exec('rollback');
      } finally {
        sqlite.pragma(`busy_timeout = ${timeout}`);
      }
    },
    setBusyTimeout(ms: number): void {
      sqlite.pragma(`busy_timeout = ${Math.max(0, Math.trunc(ms))}`);
    },
  };
}

/** Most statements the cache keeps; kysely produces a few dozen distinct SQL texts in practice. */
const STATEMENT_CACHE_LIMIT = 256;

/**
 * kysely's SQLite driver prepares every query anew; compiling the SQL cost more than running it on
 * the token endpoint. Statements are reusable (kysely runs one query at a time per connection, and
 * SQLite re-prepares a statement itself after a schema change), so keep them by SQL text.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_LIMIT) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      sqlite.close();
    },
  };
}
