/** The embedded default: one better-sqlite3 connection, run through the query executor. */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { PRIVATE_FILE_MODE, createPrivateDir, createPrivateFile, restrictFiles } from '../files/private-files.ts';
import { sqliteExecutor, type QueryExecutor, type QueryExecutorOptions } from './query-executor.ts';
import { LOCK_WAIT_MS } from './unavailable.ts';

const fileMode = (file: string) => statSync(file).mode & 0o777;

/**
 * How long a statement waits for another process's lock before SQLITE_BUSY, in milliseconds: the
 * whole LOCK_WAIT_MS while the store opens and migrates (several processes may migrate one file at
 * once). SQLite waits by sleeping in the calling thread — the event loop — so once open the store
 * waits only REQUEST_BUSY_WAIT_MS per attempt and guard() retries on a timer up to LOCK_WAIT_MS.
 */
const BUSY_TIMEOUT_MS = LOCK_WAIT_MS;
export const REQUEST_BUSY_WAIT_MS = 20;

export function openSqlite(file: string, options: QueryExecutorOptions = {}): QueryExecutor {
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
  return sqliteExecutor(sqlite, options);
}
