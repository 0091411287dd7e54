import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../core/store/open-store.ts';
import { StoreUnavailableError, type Store } from '../../core/store/repositories.ts';
import { describeStoreContract } from './store-contract.ts';
import { waitFor } from '../support/wait-for.ts';

const URL_ = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `tessera_test_${randomBytes(6).toString('hex')}`;
/** Schemas created by this file's own tests, dropped with the main one. */
const extraSchemas: string[] = [];
const unusedSqlite = '/nonexistent/unused.sqlite';

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: URL_ });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

function appliedMigrations(inSchema: string): Promise<string[]> {
  return admin(async (c) => (await c.query<{ name: string }>(`select name from "${inSchema}".kysely_migration order by name`)).rows.map((r) => r.name));
}

afterAll(async () => {
  await admin(async (c) => {
    for (const s of [schema, ...extraSchemas]) await c.query(`drop schema if exists "${s}" cascade`);
  });
});

describeStoreContract('postgres, fast path on', () => openStore({ url: URL_, sqliteFile: unusedSqlite, schema, poolSize: 5 }));

/** A TCP relay in front of PostgreSQL that the test can cut, to simulate the database going away. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((inbound) => {
      const outbound = connect(5432, '127.0.0.1');
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('PostgreSQL store specifics', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ url: URL_, sqliteFile: unusedSqlite, schema });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('is a postgres store whose tables live in its own schema', async () => {
    expect(store.kind).toBe('postgres');
    const tables = await admin(async (c) =>
      (await c.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1 order by table_name', [schema])).rows.map((r) => r.table_name),
    );
    expect(tables).toEqual(
      expect.arrayContaining(['access_tokens', 'authorization_codes', 'clients', 'consents', 'kv', 'refresh_tokens', 'servers', 'signing_keys', 'tenants', 'users', 'kysely_migration']),
    );
  });

  it('accepts postgresql:// too and applies each migration once however often it is opened', async () => {
    for (let i = 0; i < 3; i++) await (await openStore({ url: URL_.replace('postgres://', 'postgresql://'), sqliteFile: unusedSqlite, schema })).close();
    expect(await appliedMigrations(schema)).toEqual(['001-initial', '002-lookup-indexes', '003-dpop-bound-access-tokens', '004-fapi-profile', '005-code-dpop-binding', '006-partial-grant-index']);
  });

  it('lets several nodes start at once on a fresh schema', async () => {
    const fresh = `${schema}_race`;
    extraSchemas.push(fresh);
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore({ url: URL_, sqliteFile: unusedSqlite, schema: fresh, poolSize: 2 })));
    try {
      await Promise.all(stores.map((s) => s.ping()));
      await stores[0].tenants.ensure('shared');
      expect(await stores[3].tenants.get('shared')).not.toBeNull();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    expect(await appliedMigrations(fresh)).toEqual(['001-initial', '002-lookup-indexes', '003-dpop-bound-access-tokens', '004-fapi-profile', '005-code-dpop-binding', '006-partial-grant-index']);
  }, 30_000);

  it('keeps separate schemas apart', async () => {
    const otherSchema = `${schema}_other`;
    extraSchemas.push(otherSchema);
    const other = await openStore({ url: URL_, sqliteFile: unusedSqlite, schema: otherSchema });
    try {
      const tenantId = `t-${randomBytes(4).toString('hex')}`;
      await store.tenants.ensure(tenantId);
      expect(await other.tenants.get(tenantId)).toBeNull();
    } finally {
      await other.close();
    }
  });

  it('rejects a schema name that would need quoting', async () => {
    await expect(openStore({ url: URL_, sqliteFile: unusedSqlite, schema: 'Bad"Name' })).rejects.toThrow(/invalid PostgreSQL schema name/);
  });

  it('throws StoreUnavailableError when PostgreSQL is unreachable', async () => {
    await expect(openStore({ url: 'postgres://postgres@127.0.0.1:1/test', sqliteFile: unusedSqlite, schema })).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('throws StoreUnavailableError while the database is gone, and recovers when it is back', async () => {
    const relay = new Relay();
    await relay.start();
    const viaRelay = await openStore({ url: `postgres://postgres@127.0.0.1:${relay.port}/test`, sqliteFile: unusedSqlite, schema, poolSize: 2 });
    try {
      await viaRelay.ping();
      await relay.stop();
      await expect(viaRelay.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(viaRelay.clients.get({ tenantId: 't', serverId: 's' }, 'c')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(viaRelay.sweepExpired(0)).rejects.toBeInstanceOf(StoreUnavailableError);

      await relay.start();
      await expect(viaRelay.ping()).resolves.toBeUndefined();
      expect(await viaRelay.clients.get({ tenantId: 't', serverId: 's' }, 'c')).toBeNull();
    } finally {
      await viaRelay.close();
      await relay.stop();
    }
  });

  it('survives its connections being terminated by the server', async () => {
    const appName = `tessera_test_${randomBytes(4).toString('hex')}`;
    const victim = await openStore({ url: `${URL_}?application_name=${appName}`, sqliteFile: unusedSqlite, schema, poolSize: 3 });
    try {
      await Promise.all([victim.ping(), victim.ping(), victim.ping()]);
      const terminated = await admin(async (c) =>
        (await c.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [appName])).rowCount,
      );
      expect(terminated).toBeGreaterThan(0);
      // The backends are gone (their sockets closed, so the pool hears of it); an unhandled 'error'
      // event on a dead idle client would crash the run.
      const alive = () => admin(async (c) => (await c.query('select count(*)::int as n from pg_stat_activity where application_name = $1', [appName])).rows[0].n as number);
      await waitFor(alive, (n) => n === 0, { what: 'the terminated backends to exit' });
      await expect(victim.ping()).resolves.toBeUndefined();
    } finally {
      await victim.close();
    }
  });
});

describe('PostgreSQL query plans before the first ANALYZE', () => {
  // A new deployment under load: the token tables grow from empty faster than autovacuum analyzes
  // them, so the planner runs on default selectivities. The lookups must still take the index
  // made for them (with an index led by (tenant_id, server_id) it filtered every token of the server).
  const fresh = `${schema}_plans`;
  extraSchemas.push(fresh);
  const plan = (query: string) =>
    admin(async (c) => {
      await c.query(`set search_path = "${fresh}"`);
      return (await c.query<{ 'QUERY PLAN': string }>(`explain ${query}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
    });

  beforeAll(async () => {
    await (await openStore({ url: URL_, sqliteFile: unusedSqlite, schema: fresh })).close();
    await admin(async (c) => {
      await c.query(`set search_path = "${fresh}"`);
      await c.query(
        `insert into access_tokens (tenant_id, server_id, id, format, client_id, scopes, audience, issued_at, expires_at, grant_id)
         select 'carbon.super', 'default', 'at-' || g, 'opaque', 'c', '', '', 0, 1, 'grant-' || (g / 4) from generate_series(1, 20000) g`,
      );
      await c.query(
        `insert into refresh_tokens (tenant_id, server_id, id, family_id, client_id, scopes, issued_at, expires_at)
         select 'carbon.super', 'default', 'rt-' || g, 'family-' || (g / 4), 'c', '', 0, 1 from generate_series(1, 20000) g`,
      );
    });
  });

  it('finds an access or refresh token by its primary key', async () => {
    for (const table of ['access_tokens', 'refresh_tokens']) {
      const found = await plan(`select * from "${table}" where "tenant_id" = 'carbon.super' and "server_id" = 'default' and "id" = 'x'`);
      expect(found).toContain(`Index Cond: ((tenant_id = 'carbon.super'::text) AND (server_id = 'default'::text) AND (id = 'x'::text))`);
      expect(found).not.toContain('Filter');
    }
  });

  it('finds a grant\'s access tokens and a family\'s refresh tokens by their own index', async () => {
    const grant = await plan(`update "access_tokens" set "revoked" = 1 where "tenant_id" = 'carbon.super' and "server_id" = 'default' and "grant_id" = 'g'`);
    expect(grant).toContain('access_tokens_grant_id_idx');
    const family = await plan(`update "refresh_tokens" set "revoked" = 1 where "tenant_id" = 'carbon.super' and "server_id" = 'default' and "family_id" = 'f'`);
    expect(family).toContain('refresh_tokens_family_id_idx');
  });
});
