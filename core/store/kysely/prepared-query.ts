/**
 * Queries on the request path (client lookup, access-token insert and lookup) compiled once: kysely
 * builds and compiles a query object tree on every call, which cost about as much as SQLite running
 * the statement. The query is compiled from its builder with marker values, and each call then binds
 * its own values in the markers' order — the same SQL text, so the SQLite driver also reuses its
 * prepared statement, and PostgreSQL gets the same $1..$n query as before.
 */
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import { directSqliteOf } from '../sqlite.ts';
import type { Database } from './database-schema.ts';

export interface PreparedQuery<P extends readonly unknown[], R> {
  /** On SQLite, run synchronously when no transaction is open (see DirectSqlite), else via kysely. */
  execute(...values: P): Promise<QueryResult<R>>;
  /** SQLite only: the same, synchronously, in whatever transaction is open (for DirectSqlite.transaction). */
  executeNow(...values: P): QueryResult<R>;
  /** The same, on another executor (a transaction). */
  executeOn(executor: Kysely<Database>, ...values: P): Promise<QueryResult<R>>;
}

/**
 * `build` receives one marker per parameter and must use each exactly once as a bound value (a
 * `where` operand or an inserted value); compiling checks that every marker is bound, once.
 */
export function prepareQuery<P extends readonly unknown[], R>(
  db: Kysely<Database>,
  arity: P['length'],
  build: (...markers: string[]) => { compile(): CompiledQuery<R> },
): PreparedQuery<P, R> {
  const markers = Array.from({ length: arity }, (_, i) => `\u0000tessera-parameter-${i}\u0000`);
  const compiled = build(...markers).compile();
  // Where each call's values go among the compiled parameters.
  const order = compiled.parameters.map((p) => markers.indexOf(p as string));
  if (order.some((i) => i < 0) || new Set(order).size !== arity || order.length !== arity) {
    throw new Error(`prepared query must bind each of its ${arity} parameters exactly once: ${compiled.sql}`);
  }
  const parameters = (values: P) => order.map((i) => values[i]);
  const bind = (values: P) => CompiledQuery.raw(compiled.sql, parameters(values)) as CompiledQuery<R>;
  const direct = directSqliteOf(db);
  const executeNow = (...values: P): QueryResult<R> => {
    if (!direct) throw new Error('executeNow: not a SQLite store');
    return direct.execute<R>(compiled.sql, parameters(values));
  };
  return {
    execute: (...values) => {
      if (!direct?.available) return db.executeQuery<R>(bind(values));
      try {
        return Promise.resolve(direct.execute<R>(compiled.sql, parameters(values)));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    executeNow,
    executeOn: (executor, ...values) => executor.executeQuery<R>(bind(values)),
  };
}
