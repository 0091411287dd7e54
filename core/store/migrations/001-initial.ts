/**
 * The initial schema. Written once for both dialects: `text`, `integer` (0/1 flags) and `bigint`
 * (epoch seconds; SQLite gives it INTEGER affinity) mean the same thing on SQLite and PostgreSQL.
 * Every server-scoped table leads its primary key with (tenant_id, server_id) so a lookup can never
 * resolve another server's row, and so that prefix serves `list`, `listByTenant` and `servers.delete`.
 */
import type { Kysely, Migration } from 'kysely';

// Listed here rather than imported: a migration must keep meaning what it meant when it shipped.
const SCOPED_TABLES = [
  'consents',
  'signing_keys',
  'refresh_tokens',
  'access_tokens',
  'authorization_codes',
  'users',
  'clients',
] as const;

export const initialMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('tenants')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('servers')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.tenant_id'))
      .addColumn('server_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('issuer', 'text')
      .addColumn('access_token_format', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('servers_pk', ['tenant_id', 'server_id'])
      .execute();

    // Server-scoped tables carry no foreign key to `servers`, so the repositories do not depend on
    // the order in which the core seeds tenants and servers; `servers.delete` removes a server's
    // rows explicitly, in one transaction.
    await db.schema
      .createTable('clients')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('server_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('client_name', 'text')
      .addColumn('secret_hash', 'text')
      .addColumn('token_endpoint_auth_method', 'text')
      .addColumn('grant_types', 'text', (c) => c.notNull())
      .addColumn('response_types', 'text', (c) => c.notNull())
      .addColumn('redirect_uris', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('jwks', 'text')
      .addColumn('jwks_uri', 'text')
      .addColumn('tls_client_auth_subject_dn', 'text')
      .addColumn('tls_client_auth_san_dns', 'text')
      .addColumn('tls_client_auth_san_uri', 'text')
      .addColumn('tls_client_auth_san_ip', 'text')
      .addColumn('tls_client_auth_san_email', 'text')
      .addColumn('tls_client_certificate_bound_access_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('certificates', 'text', (c) => c.notNull())
      .addColumn('access_token_format', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('clients_pk', ['tenant_id', 'server_id', 'client_id'])
      .execute();

    await db.schema
      .createTable('users')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('server_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('claims', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('users_pk', ['tenant_id', 'server_id', 'id'])
      .addUniqueConstraint('users_username_uq', ['tenant_id', 'server_id', 'username'])
      .execute();

    await db.schema
      .createTable('authorization_codes')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('server_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text')
      .addColumn('code_challenge', 'text')
      .addColumn('code_challenge_method', 'text')
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('redeemed_at', 'bigint')
      .addPrimaryKeyConstraint('authorization_codes_pk', ['tenant_id', 'server_id', 'id'])
      .execute();

    await db.schema
      .createTable('access_tokens')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('server_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('username', 'text')
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('audience', 'text', (c) => c.notNull())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('confirmation', 'text')
      .addColumn('grant_id', 'text')
      .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('access_tokens_pk', ['tenant_id', 'server_id', 'id'])
      .execute();

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('server_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('family_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('username', 'text')
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('auth_time', 'bigint')
      .addColumn('confirmation', 'text')
      .addColumn('grant_id', 'text')
      .addColumn('used_at', 'bigint')
      .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('refresh_tokens_pk', ['tenant_id', 'server_id', 'id'])
      .execute();

    await db.schema
      .createTable('signing_keys')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('server_id', 'text', (c) => c.notNull())
      .addColumn('kid', 'text', (c) => c.notNull())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('private_jwk', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('rotated_at', 'bigint')
      .addPrimaryKeyConstraint('signing_keys_pk', ['tenant_id', 'server_id', 'kid'])
      .execute();

    await db.schema
      .createTable('consents')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('server_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('granted_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('consents_pk', ['tenant_id', 'server_id', 'subject', 'client_id'])
      .execute();

    await db.schema
      .createTable('kv')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();

    // Expiry sweeps scan by expires_at; reuse handling revokes by grant and by family.
    for (const table of ['authorization_codes', 'access_tokens', 'refresh_tokens', 'kv']) {
      await db.schema.createIndex(`${table}_expires_at_idx`).on(table).column('expires_at').execute();
    }
    await db.schema
      .createIndex('access_tokens_grant_idx')
      .on('access_tokens')
      .columns(['tenant_id', 'server_id', 'grant_id'])
      .execute();
    await db.schema
      .createIndex('refresh_tokens_family_idx')
      .on('refresh_tokens')
      .columns(['tenant_id', 'server_id', 'family_id'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [...SCOPED_TABLES, 'kv', 'servers', 'tenants']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
