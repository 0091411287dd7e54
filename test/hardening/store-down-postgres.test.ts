/**
 * PostgreSQL goes away under a running server: its connections are terminated and the database
 * stops accepting new ones (`ALTER DATABASE ... ALLOW_CONNECTIONS false` on a throw-away database
 * made for this test). Every endpoint that needs the store answers 503 temporarily_unavailable with
 * Retry-After — not a 500 — /health says the store is down, and when the database comes back the
 * same server recovers without a restart.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClock } from '../../core/time/clock.ts';
import { waitFor } from '../support/wait-for.ts';
import { closeAgents, expectJsonRefusal, send, type Sent } from './kit.ts';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'store-down-pg-secret-0123456789ab';

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL unavailable under a running server', () => {
  const database = `tessera_hardening_${randomBytes(5).toString('hex')}`;
  let server: TestServer;
  let issued: string;
  const clock = new TestClock();

  const cut = () =>
    admin(async (c) => {
      await c.query(`alter database ${database} allow_connections false`);
      await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
    });
  const restore = () => admin((c) => c.query(`alter database ${database} allow_connections true`));

  beforeAll(async () => {
    await admin((c) => c.query(`create database ${database}`));
    server = await startTestServer({
      toml: `
[database]
url = "postgres://postgres@127.0.0.1:5432/${database}"
pool_size = 3

[logging]
level = "info"

[observability]
metrics_listener = "0"
`,
      clock,
    });
    await server.createClient({ clientId: 'app', secret: SECRET });
    await server.runtime.users.create(DEFAULT_SERVER, { username: 'dora', password: 'dora-Passw0rd-pg-down' });
    const res = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
    expect(res.status, res.text).toBe(200);
    issued = res.json.access_token;
  });
  afterAll(async () => {
    await closeAgents();
    await server?.dispose();
    await restore().catch(() => undefined);
    await admin(async (c) => {
      await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database]);
      await c.query(`drop database if exists ${database}`);
    });
  });

  function expectUnavailable(res: Sent) {
    expect(res.status, res.text).toBe(503);
    expect(res.json.error).toBe('temporarily_unavailable');
    expect(res.headers['retry-after']).toBe('1');
    expect(res.text).not.toMatch(/postgres|pg_|accepting connections|ECONN/i);
  }

  it('answers 503 temporarily_unavailable at every endpoint while the database refuses connections', async () => {
    // Warm the server directory's cache: the first refusals then come from client lookups.
    expect((await send(`${server.url}/.well-known/openid-configuration`)).status).toBe(200);
    await cut();
    // A client whose lookup fails is not told its credentials are wrong.
    expectUnavailable(await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] }));
    expect(server.logs.some((l) => l.includes('client.authentication.failed'))).toBe(false);
    // Past the server directory's short cache, so the per-request store lookups happen too.
    clock.advance(5_500);
    expectUnavailable(await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] }));
    expectUnavailable(await send(`${server.url}/oauth2/token`, { form: { grant_type: 'password', username: 'dora', password: 'dora-Passw0rd-pg-down' }, basic: ['app', SECRET] }));
    expectUnavailable(await send(`${server.url}/oauth2/introspect`, { form: { token: issued }, basic: ['app', SECRET] }));
    expectUnavailable(await send(`${server.url}/oauth2/revoke`, { form: { token: issued }, basic: ['app', SECRET] }));
    expectUnavailable(await send(`${server.url}/oauth2/userinfo`, { bearer: issued }));
    const authorize = await send(`${server.url}/oauth2/authorize?response_type=code&client_id=app`);
    expect(authorize.status).toBe(503);
  });

  it('/health answers 503 with the store down', async () => {
    const health = await send(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({ status: 'unavailable', store: { kind: 'postgres', status: 'down' } });
  });

  it('recovers without a restart once the database accepts connections again', async () => {
    await restore();
    const health = await waitFor(() => send(`${server.url}/health`), (res) => res.status === 200, { timeoutMs: 10_000, what: '/health 200' });
    expect(health.status, health.text).toBe(200);
    const res = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
    expect(res.status, res.text).toBe(200);
    const intro = await send(`${server.url}/oauth2/introspect`, { form: { token: issued }, basic: ['app', SECRET] });
    expect(intro.json.active).toBe(true);
    expectJsonRefusal(await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', 'wrong-secret-0123456789abcdef'] }), [401]);
  });

  it('answered no request with a 500 throughout', async () => {
    // The scraper's own listener: it needs no store to authenticate.
    const metrics = (await send(`${server.running.url('metrics')}/metrics`)).text;
    expect(metrics).toMatch(/tessera_http_requests_total\{[^}]*status="503"\}/);
    expect(metrics).not.toMatch(/tessera_http_requests_total\{[^}]*status="500"\}/);
  });
});
