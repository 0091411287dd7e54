/** The test PostgreSQL (trust auth); every test file or cluster uses its own schema and drops it afterwards. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function uniqueSchema(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export function postgresToml(schema: string): string {
  return `[database]\nurl = "${POSTGRES_URL}"\nschema = "${schema}"\n`;
}

export async function dropSchema(schema: string, url = POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
