/**
 * How the repositories run their queries, on SQLite and PostgreSQL alike: every query is built with
 * kysely and handed to the executor, which runs it one of two ways.
 *
 * - `db`: kysely builds, compiles and runs the query (everything off the request path: admin,
 *   start-up, sweeps, refresh tokens).
 * - `prepare` and `groupInserts`: the few queries token issuance and introspection run on every
 *   request (client lookup, access-token insert and lookup). With the fast path off they too are
 *   plain kysely, built and run per call.
 *
 * The fast path (on by default; `fastPath: false` turns it off, e.g. to check it changes nothing):
 * - compiled once: kysely builds and compiles a query object tree per call, which cost about as much
 *   as SQLite running the statement. A prepared query is compiled from its builder with marker
 *   values, and each call binds its own values in the markers' order: the same SQL text each time,
 *   the same $1..$n query on PostgreSQL.
 * - SQLite, run synchronously on the connection kysely uses, past kysely's promise queue: on the
 *   token endpoint that queue (a connection mutex, several promise hops per query and their
 *   garbage) cost more than SQLite running the statement. Only between transactions: while one is
 *   open on the connection (a kysely transaction awaiting its next statement, the health probe's
 *   `begin immediate`), a statement run here would become part of it, so it goes through kysely.
 * - SQLite, group commit: the access-token inserts of one turn of the event loop are committed in
 *   one transaction, so SQLite writes the shared pages and the WAL commit once per batch rather
 *   than once per token. Each insert still resolves only once its row is committed.
 * Figures: `npm run bench` (token-opaque, introspect-opaque against the raw TLS ceiling) and
 * bench/sqlite-writers.ts; docs/performance.md has the history.
 *
 * On both paths SQLite statements are prepared once per SQL text (kysely's driver would prepare
 * every query anew, and compiling the SQL cost more than running it).
 */
import BetterSqlite3 from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { CompiledQuery, Kysely, SqliteDialect, sql, type QueryResult, type SqliteDatabase } from 'kysely';
import type { Database } from './kysely/database-schema.ts';
import type { Store } from './repositories.ts';

export interface QueryExecutorOptions {
  /** Compiled-once queries, and on SQLite direct execution and group commit. Default true. */
  fastPath?: boolean;
}

export interface PreparedQuery<P extends readonly unknown[], R> {
  execute(...values: P): Promise<QueryResult<R>>;
}

/** What `prepare` compiles: a kysely builder (select, insert, ...). */
interface Compilable<R> {
  compile(): CompiledQuery<R>;
}

export interface QueryExecutor {
  readonly kind: Store['kind'];
  readonly fastPath: boolean;
  /** Builds every query; runs those not prepared. */
  readonly db: Kysely<Database>;
  /**
   * A query of the request path. `build` receives one value per parameter and must use each exactly
   * once as a bound value (a `where` operand or an inserted value); on the fast path it is called
   * once with markers, and compiling checks that every marker is bound, once.
   */
  prepare<P extends readonly unknown[], R>(arity: P['length'], build: (...values: P) => Compilable<R>): PreparedQuery<P, R>;
  /**
   * Runs `insert` for each call; on SQLite with the fast path, the calls of one turn of the event
   * loop in one transaction. A row that breaks a constraint fails alone; any other error, or a
   * failed commit, fails every insert of its batch (none of them is stored).
   */
  groupInserts(insert: PreparedQuery<unknown[], never>): (values: unknown[]) => Promise<void>;
  /**
   * PostgreSQL: `select 1`. SQLite has no server to reach (`select 1` never touches the file); what
   * makes it unusable is another process holding the write lock or the file failing, so this takes
   * the write lock for an instant, failing at once with SQLITE_BUSY rather than waiting for it.
   */
  ping(): Promise<void>;
  /** SQLite: how long a statement sleeps, blocking the event loop, for another process's lock. */
  setBusyTimeout(ms: number): void;
  destroy(): Promise<void>;
}

/** PostgreSQL (or any kysely instance without a synchronous connection). */
export function kyselyExecutor(db: Kysely<Database>, kind: Store['kind'], options: QueryExecutorOptions = {}): QueryExecutor {
  const fastPath = options.fastPath ?? true;
  return {
    kind,
    fastPath,
    db,
    prepare: (arity, build) => (fastPath ? compiledOnce(db, arity, build, undefined) : perCall(db, build)),
    groupInserts: (insert) => (values) => insert.execute(...values).then(() => undefined),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    setBusyTimeout: () => undefined,
    destroy: () => db.destroy(),
  };
}

/** SQLite on one better-sqlite3 connection, shared by kysely's SqliteDialect and the fast path. */
export function sqliteExecutor(sqlite: BetterSqlite3.Database, options: QueryExecutorOptions = {}): QueryExecutor {
  const fastPath = options.fastPath ?? true;
  const statements = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  const direct = directSqlite(sqlite, statements);
  return {
    kind: 'sqlite',
    fastPath,
    db,
    prepare: (arity, build) => (fastPath ? compiledOnce(db, arity, build, direct) : perCall(db, build)),
    groupInserts: (insert) => (fastPath ? groupCommit(db, direct, insert as Prepared<unknown[], never>) : (values) => insert.execute(...values).then(() => undefined)),
    // Inside kysely's hold on the connection, so no kysely transaction is open on it.
    ping: () => db.connection().execute(async () => direct.probeWriteLock()),
    setBusyTimeout: (ms) => direct.setBusyTimeout(ms),
    destroy: () => db.destroy(),
  };
}

/** Plain kysely: built, compiled and run per call. */
function perCall<P extends readonly unknown[], R>(db: Kysely<Database>, build: (...values: P) => Compilable<R>): PreparedQuery<P, R> {
  return { execute: (...values) => db.executeQuery(build(...values).compile()) };
}

/** A query compiled once; `run` binds a call's values in the compiled parameters' order. */
interface Prepared<P extends readonly unknown[], R> extends PreparedQuery<P, R> {
  readonly sql: string;
  parameters(values: P): unknown[];
}

function compiledOnce<P extends readonly unknown[], R>(
  db: Kysely<Database>,
  arity: number,
  build: (...values: P) => Compilable<R>,
  direct: DirectSqlite | undefined,
): Prepared<P, R> {
  const markers = Array.from({ length: arity }, (_, i) => `\u0000tessera-parameter-${i}\u0000`);
  const compiled = build(...(markers as unknown as P)).compile();
  // Where each call's values go among the compiled parameters.
  const order = compiled.parameters.map((p) => markers.indexOf(p as string));
  if (order.some((i) => i < 0) || new Set(order).size !== arity || order.length !== arity) {
    throw new Error(`prepared query must bind each of its ${arity} parameters exactly once: ${compiled.sql}`);
  }
  const parameters = (values: P) => order.map((i) => values[i]);
  return {
    sql: compiled.sql,
    parameters,
    execute: (...values) => {
      if (!direct?.available) return db.executeQuery<R>(CompiledQuery.raw(compiled.sql, parameters(values)) as CompiledQuery<R>);
      try {
        return Promise.resolve(direct.execute<R>(compiled.sql, parameters(values)));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

/** Synchronous access to the connection kysely's SQLite dialect uses. */
interface DirectSqlite {
  /** Whether a statement may run here now: the connection is open and no transaction is. */
  readonly available: boolean;
  /** The same result kysely's SQLite driver gives. Throws what better-sqlite3 throws. */
  execute<R>(sql: string, parameters: readonly unknown[]): QueryResult<R>;
  /** `run` inside BEGIN … COMMIT (rolled back if it throws). */
  transaction(run: () => void): void;
  /**
   * Takes the write lock and lets it go, failing with SQLITE_BUSY at once rather than after
   * busy_timeout. Synchronous, so no other statement runs meanwhile with the timeout switched off.
   */
  probeWriteLock(): void;
  setBusyTimeout(ms: number): void;
}

function directSqlite(sqlite: BetterSqlite3.Database, statements: SqliteDatabase): DirectSqlite {
  // Wrapped once: better-sqlite3 builds its BEGIN/COMMIT wrappers anew on every `transaction()` call.
  const inTransaction = sqlite.transaction((run: () => void) => run());
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
      inTransaction(run);
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

/** Most statements the cache keeps (the least recently used goes first); kysely produces a few dozen distinct SQL texts in practice. */
const STATEMENT_CACHE_LIMIT = 256;

/**
 * Statements kept by SQL text, for kysely's driver and the fast path. Reusable: kysely runs one
 * query at a time per connection, the fast path runs synchronously, and SQLite re-prepares a
 * statement itself after a schema change.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const statements = new LRUCache<string, BetterSqlite3.Statement>({ max: STATEMENT_CACHE_LIMIT });
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
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

interface PendingInsert {
  values: unknown[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Inserts requested in the same turn of the event loop run in one transaction at the end of it
 * (setImmediate). A row that breaks a constraint fails alone (SQLite undoes only that statement);
 * any other error, or a failed commit, rolls the whole batch back and fails every insert in it.
 * The batch runs synchronously on the connection unless a kysely transaction is open on it; then
 * it waits its turn behind that transaction, through kysely.
 */
function groupCommit(db: Kysely<Database>, direct: DirectSqlite, insert: Prepared<unknown[], never>) {
  let queue: PendingInsert[] = [];

  function flush(): void {
    const batch = queue;
    queue = [];
    const refused = new Map<PendingInsert, unknown>();
    if (direct.available) {
      try {
        direct.transaction(() => {
          for (const item of batch) {
            try {
              direct.execute(insert.sql, insert.parameters(item.values));
            } catch (error) {
              if (!isConstraintViolation(error)) throw error;
              refused.set(item, error);
            }
          }
        });
      } catch (error) {
        settle(batch, refused, error);
        return;
      }
      settle(batch, refused);
      return;
    }
    db.transaction()
      .execute(async (trx) => {
        for (const item of batch) {
          try {
            await trx.executeQuery(CompiledQuery.raw(insert.sql, insert.parameters(item.values)));
          } catch (error) {
            if (!isConstraintViolation(error)) throw error;
            refused.set(item, error);
          }
        }
      })
      .then(
        () => settle(batch, refused),
        (error: unknown) => settle(batch, refused, error),
      );
  }

  return (values: unknown[]) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ values, resolve, reject });
      if (queue.length === 1) setImmediate(flush);
    });
}

/** A refused row fails with its own error; the others with the batch's, if it failed. */
function settle(batch: readonly PendingInsert[], refused: ReadonlyMap<PendingInsert, unknown>, error?: unknown): void {
  for (const item of batch) {
    if (refused.has(item)) item.reject(refused.get(item));
    else if (error !== undefined) item.reject(error);
    else item.resolve();
  }
}

function isConstraintViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}
