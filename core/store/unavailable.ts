/**
 * Tells "the database cannot be reached right now" apart from every other failure, so the HTTP
 * layer can answer 503 (retry later) instead of 500, and wraps store calls accordingly.
 */
import { StoreUnavailableError } from './repositories.ts';

/** Socket and file-system errors that mean the database is not there or not usable. */
const SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EIO',
]);

/**
 * SQLite result codes (better-sqlite3 puts extended codes like SQLITE_IOERR_READ in `code`):
 * file missing/unreadable/not a database, I/O failure, disk full, or locked past busy_timeout (or
 * past the WAL lock retries: SQLITE_PROTOCOL).
 */
const SQLITE_PREFIXES = [
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT',
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_PERM',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  // WAL locks still held by another process after SQLite's own retries.
  'SQLITE_PROTOCOL',
];

/**
 * PostgreSQL SQLSTATEs: class 08 connection exception, class 53 insufficient resources (e.g. too
 * many connections), 57P01-57P04 admin/crash shutdown, cannot connect now, database dropped.
 */
function isUnavailableSqlState(code: string): boolean {
  return /^08[0-9A-Z]{3}$/.test(code) || /^53[0-9A-Z]{3}$/.test(code) || /^57P0[1-4]$/.test(code);
}

/** Messages of driver errors that carry no code (node-postgres pool/client, better-sqlite3, kysely). */
const MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /client was closed and is not queryable/i,
  /cannot use a pool after calling end/i,
  /database connection is not open/i,
  /driver has already been destroyed/i,
  // PostgreSQL 55000 for a database closed to connections (ALTER DATABASE ... ALLOW_CONNECTIONS
  // false, as during maintenance); 55000 itself covers unrelated states, so the message decides.
  /database ".*" is not currently accepting connections/i,
];

function classify(error: unknown, depth: number): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SYSTEM_CODES.has(code) || isUnavailableSqlState(code)) return true;
    if (SQLITE_PREFIXES.some((prefix) => code.startsWith(prefix))) return true;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message))) return true;
  // Connecting to a host name that resolves to several addresses fails with an AggregateError.
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.some((inner) => classify(inner, depth + 1))) return true;
  return classify((error as { cause?: unknown }).cause, depth + 1);
}

export function isUnavailableError(error: unknown): boolean {
  return error instanceof StoreUnavailableError || classify(error, 0);
}

/** How long an operation keeps retrying while another process holds SQLite's write lock. */
export const LOCK_WAIT_MS = 5000;
const LOCK_RETRY_MAX_DELAY_MS = 100;

/** Attempts retried because another process held the lock, in this process (a state tests wait for). */
let lockRetryCount = 0;
export function lockRetries(): number {
  return lockRetryCount;
}

/**
 * Another process holds SQLite's lock: the statement did not run (SQLITE_BUSY, and its
 * SQLITE_BUSY_SNAPSHOT / _RECOVERY / _TIMEOUT variants), so running the operation again is safe.
 */
function isLockedByAnotherProcess(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs one store operation, turning connection-level failures into `StoreUnavailableError`. While
 * another process holds SQLite's lock, the operation is retried for up to LOCK_WAIT_MS, sleeping
 * between attempts on a timer, so other requests (reads need no lock in WAL mode) go on meanwhile.
 */
export async function guard<T>(operation: () => Promise<T>, options: { waitForLock?: boolean } = {}): Promise<T> {
  const waitForLock = options.waitForLock ?? true;
  // The process clock, not the server's: this is a real wait on another process's lock.
  const started = Date.now();
  for (let delay = 5; ; delay = Math.min(delay * 2, LOCK_RETRY_MAX_DELAY_MS)) {
    try {
      return await operation();
    } catch (error) {
      if (waitForLock && isLockedByAnotherProcess(error) && Date.now() - started + delay < LOCK_WAIT_MS) {
        lockRetryCount++;
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      if (error instanceof StoreUnavailableError || !isUnavailableError(error)) throw error;
      throw new StoreUnavailableError(error);
    }
  }
}

/**
 * Wraps every method of a repository in `guard`, so each repository call is covered without a
 * try/catch per method. Repositories are plain objects whose methods all return promises.
 */
export function guardRepository<T extends object>(repository: T): T {
  return new Proxy(repository, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => guard(() => Promise.resolve(value.apply(target, args)));
    },
  });
}
