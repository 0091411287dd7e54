/** Brings the schema up to date on start, with kysely's Migrator and the inline migrations. */
import { Migrator, sql, type Kysely } from 'kysely';
import type { Store } from './repositories.ts';
import type { Database } from './kysely/database-schema.ts';
import { migrations } from './migrations/index.ts';

export interface MigrationOptions {
  kind: Store['kind'];
  /** PostgreSQL: the schema of kysely's own bookkeeping tables (they must sit beside ours). */
  migrationTableSchema?: string;
}

async function runMigrator(db: Kysely<Database>, migrationTableSchema: string | undefined): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(failed ? `migration ${failed} failed: ${reason}` : `migrations failed: ${reason}`, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** Returns the names of the migrations this call applied (none when already up to date). */
export async function migrateToLatest(db: Kysely<Database>, options: MigrationOptions): Promise<string[]> {
  if (options.kind === 'postgres') {
    // kysely's PostgreSQL adapter holds an advisory lock and runs the migrations in a transaction,
    // so nodes starting together apply each migration once.
    return runMigrator(db, options.migrationTableSchema);
  }
  // kysely's SQLite adapter takes no lock and no transaction (it assumes one process). Another
  // process may open the same file, so run everything under BEGIN IMMEDIATE: the write lock
  // serialises migrators (the loser waits busy_timeout) and a failed migration rolls back.
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const applied = await runMigrator(connection, undefined);
      await sql`commit`.execute(connection);
      return applied;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}
