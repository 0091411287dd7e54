/**
 * The caches in front of PostgreSQL follow changes made on another node within the notification
 * latency, not their time limits: two nodes (in this process, each with its own store, caches and
 * LISTEN connection) on one schema; every change is made on node a, every check on node b.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { hashPassword } from '../../core/users/password-hash.ts';
import { call, closeClients, type CallResult } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { dropSchema, postgresToml, uniqueSchema } from '../support/postgres.ts';
import { waitFor } from '../support/wait-for.ts';

const schema = uniqueSchema('tessera_invalidation');
const ADMIN: [string, string] = ['admin', 'admin'];
/**
 * How soon b must follow: under the 5 s of the server directory and client cache, and far under the 60 s of the key and
 * credential caches, so only an invalidation explains it; generous for a loaded machine (the
 * notification itself takes milliseconds).
 */
const SERVER_WITHIN_MS = 3_000;
const WITHIN_MS = 10_000;

let a: TestServer;
let b: TestServer;

/** Waits until `probe` holds; answers how long that took (ms). */
async function eventually(probe: () => Promise<boolean>, withinMs = WITHIN_MS): Promise<number> {
  const started = performance.now();
  await waitFor(probe, Boolean, { timeoutMs: withinMs, intervalMs: 20, what: 'the change on the other node' });
  return performance.now() - started;
}

const discovery = (node: TestServer, path: string): Promise<CallResult> => call(`${node.url}${path}/.well-known/openid-configuration`);

beforeAll(async () => {
  const toml = `${postgresToml(schema)}\n[logging]\nlevel = "warn"\n`;
  a = await startTestServer({ toml, mount: adminRoutes });
  b = await startTestServer({ toml, mount: adminRoutes });
}, 60_000);

afterAll(async () => {
  await closeClients();
  await a?.dispose();
  await b?.dispose();
  await dropSchema(schema);
});

describe('cache invalidation between nodes', () => {
  it('a server created on a resolves on b at once, though b had cached it as unknown', async () => {
    expect((await discovery(b, '/acme/main')).status).toBe(404);
    const created = await call(`${a.url}/api/admin/acme/servers`, { json: { id: 'main' }, basic: ADMIN });
    expect(created.status, created.text).toBe(201);
    await eventually(async () => (await discovery(b, '/acme/main')).status === 200, SERVER_WITHIN_MS);
  });

  it('an issuer changed on a is the issuer on b at once', async () => {
    expect((await discovery(b, '/acme/main')).json.issuer).not.toBe('https://acme.example.com');
    const patched = await call(`${a.url}/api/admin/acme/servers/main`, { method: 'PATCH', json: { issuer: 'https://acme.example.com' }, basic: ADMIN });
    expect(patched.status, patched.text).toBe(200);
    await eventually(async () => (await discovery(b, '/acme/main')).json?.issuer === 'https://acme.example.com', SERVER_WITHIN_MS);
  });

  it('signing keys rotated on a are in b\'s JWKS at once', async () => {
    // b holds the keys in its cache (for up to a minute without an invalidation).
    const before = await call(`${b.url}/acme/main/oauth2/jwks`);
    expect(before.status, before.text).toBe(200);
    const rotated = await call(`${a.url}/api/admin/acme/servers/main/keys/rotate`, { method: 'POST', basic: ADMIN });
    expect(rotated.status, rotated.text).toBe(200);
    const kids = rotated.json.kids as string[];
    expect(before.json.keys.map((k: { kid: string }) => k.kid)).not.toEqual(expect.arrayContaining(kids));
    await eventually(async () => {
      const jwks = await call(`${b.url}/acme/main/oauth2/jwks`);
      return kids.every((kid) => jwks.json.keys.some((k: { kid: string }) => k.kid === kid));
    });
  });

  it('a server deleted on a stops resolving on b at once', async () => {
    expect((await discovery(b, '/acme/main')).status).toBe(200);
    expect((await call(`${a.url}/api/admin/acme/servers/main`, { method: 'DELETE', basic: ADMIN })).status).toBe(204);
    await eventually(async () => (await discovery(b, '/acme/main')).status === 404, SERVER_WITHIN_MS);
  });

  it('a client deleted on a is refused on b at once, though b had it cached', async () => {
    const secret = 'cached-client-secret-0123456789';
    const created = await call(`${a.url}/api/admin/default/clients`, { json: { client_id: 'cached', client_secret: secret, grant_types: ['client_credentials'] }, basic: ADMIN });
    expect(created.status, created.text).toBe(201);
    const token = () => call(`${b.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['cached', secret] });
    // b looks the client up, and keeps it for a few seconds.
    expect((await token()).status).toBe(200);
    expect((await call(`${a.url}/api/admin/default/clients/cached`, { method: 'DELETE', basic: ADMIN })).status).toBe(204);
    await eventually(async () => (await token()).status === 401, SERVER_WITHIN_MS);
  });

  it('a super admin password changed by another node empties b\'s admin credential cache', async () => {
    // b verified admin/admin and remembers it for a minute.
    expect((await call(`${b.url}/api/admin/default/clients`, { basic: ADMIN })).status).toBe(200);
    const user = await a.runtime.store.users.getByUsername(DEFAULT_SERVER, 'admin');
    // What a node started with a new [super_admin] password does (ensureDefaults).
    await a.runtime.store.users.updatePassword(DEFAULT_SERVER, user!.id, await hashPassword('new-Admin-passw0rd'));
    await eventually(async () => {
      const res = await call(`${b.url}/api/admin/default/clients`, { basic: ADMIN });
      expect([200, 401], res.text).toContain(res.status);
      return res.status === 401;
    });
    expect((await call(`${b.url}/api/admin/default/clients`, { basic: ['admin', 'new-Admin-passw0rd'] })).status).toBe(200);
  });

  it('each node listens on its own connection of the tessera_invalidate channel', async () => {
    const pids = [a, b].map((n) => (n.runtime.invalidation as { listenerPid?: number | null }).listenerPid);
    expect(pids.every((pid) => typeof pid === 'number')).toBe(true);
    expect(new Set(pids).size).toBe(2);
  });
});
