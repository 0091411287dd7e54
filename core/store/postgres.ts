/**
 * PostgreSQL through a node-postgres pool. An optional schema isolates deployments (and tests)
 * sharing one database: it is created if absent and put on every pooled connection's search_path.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './kysely/database-schema.ts';

/** Lower-case SQL identifiers only: they need no quoting in search_path and never case-fold. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Bounds how long a request waits for a connection when the database is unreachable or the pool is exhausted. */
const CONNECT_TIMEOUT_MS = 5000;

export interface PostgresOptions {
  schema?: string;
  poolSize?: number;
}

/** int8 (bigint columns, count(*)) as a JS number; every value we store fits in 2^53. */
function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`int8 value ${value} does not fit in a JS number`);
  return parsed;
}

// Per-pool type parsers, so the process-wide pg.types defaults stay untouched for other users.
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((id: number, format?: 'text' | 'binary') =>
    id === pg.types.builtins.INT8 && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(id, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * The URL with `-c search_path=<schema>` added to its `options` parameter. Put in the URL rather
 * than in the pool config because node-postgres lets URL parameters override config fields.
 */
function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  const options = [parsed.searchParams.get('options'), `-c search_path=${schema}`].filter(Boolean).join(' ');
  parsed.searchParams.set('options', options);
  return parsed.toString();
}

export function openPostgres(url: string, options: PostgresOptions): Kysely<Database> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
  }
  const pool = new pg.Pool({
    connectionString: schema === undefined ? url : withSearchPath(url, schema),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'tessera',
    types: typeParsers,
  });
  // A client whose server went away emits 'error': on the pool while idle, on the client itself
  // while checked out. Unhandled, either would crash the process. The failure already reaches the
  // caller through the failed query (as StoreUnavailableError), the pool discards the dead client
  // and the next query reconnects, so there is nothing more to do with the event.
  const ignore = (): void => {};
  pool.on('error', ignore);
  pool.on('connect', (client) => client.on('error', ignore));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Creates the schema if absent. Serialised with an advisory lock because two concurrent
 * `CREATE SCHEMA IF NOT EXISTS` can still collide on PostgreSQL's catalog unique index.
 */
export async function ensureSchema(db: Kysely<Database>, schema: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('tessera.create_schema'))`.execute(trx);
    await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
  });
}

/** The schema unqualified names resolve to: where the tables and kysely's migration table live. */
export async function currentSchema(db: Kysely<Database>): Promise<string> {
  const result = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = result.rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL has no current schema: check the search_path of the connecting role');
  return schema;
}
