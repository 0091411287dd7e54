/**
 * `[server] key_encryption_key_file` covers the client_secret_jwt secrets too: they are the HS256
 * keys of the clients' assertions, stored in clear they let a copied database forge them. With the
 * setting they are stored wrapped (bound to their client record); one stored before the setting
 * keeps working; one this node cannot unwrap fails that client's authentication with invalid_client
 * and a log line naming the setting, while the server and every other client keep working.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { ENABLE, assertion, discovery, register, tokenWithAssertion } from '../../plugins/private-key-jwt-client-authenticator/test/jwt-kit.ts';
import { adminCall, clientCredentials } from '../admin/admin-support.ts';
import { expectOAuthError } from '../oauth/oauth-helpers.ts';
import { closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const KEK = '[server]\nkey_encryption_key_file = "kek"\n';
const BASIC_SECRET = 'wrapping-test-basic-secret-0123456789';

function jwtSecretRow(dir: string, clientId: string): string | null {
  const db = new BetterSqlite3(join(dir, 'data', 'tessera.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('select jwt_secret from clients where client_id = ?').get(clientId) as { jwt_secret: string | null }).jwt_secret;
  } finally {
    db.close();
  }
}

describe('client_secret_jwt secrets at rest', () => {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-csjwt-'));
    dirs.push(dir);
    return dir;
  };
  const start = async (dir: string, toml = '') => {
    const server = await startTestServer({ dir, toml: `${ENABLE}\n${toml}`, mount: adminRoutes });
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    await closeClients();
    for (const server of servers) await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** client_credentials with an HS256 assertion keyed by `secret`. */
  const withAssertion = async (server: TestServer, clientId: string, secret: string) => {
    const meta = await discovery(server);
    return tokenWithAssertion(meta.token_endpoint, clientId, await assertion(clientId, meta.issuer, new TextEncoder().encode(secret)));
  };
  const expectToken = (res: { status: number; text: string }) => expect(res.status, res.text).toBe(200);
  const registerJwtClient = async (server: TestServer, clientId: string) =>
    (await register(server, { client_id: clientId, token_endpoint_auth_method: 'client_secret_jwt', grant_types: ['client_credentials'] })).client_secret as string;

  it('stores the secret wrapped; HS256 assertions verify; the admin API never returns it', async () => {
    const dir = newDir();
    writeFileSync(join(dir, 'kek'), randomBytes(32).toString('base64'), { mode: 0o600 });
    const server = await start(dir, KEK);
    const secret = await registerJwtClient(server, 'csjwt');
    expectToken(await withAssertion(server, 'csjwt', secret));

    const stored = jwtSecretRow(dir, 'csjwt');
    expect(stored).toMatch(/^wrapped:v1:/);
    expect(stored).not.toContain(secret);

    // A change that keeps the secret stores it wrapped again, and it keeps verifying.
    const patched = await adminCall(server, '/api/admin/default/clients/csjwt', { method: 'PATCH', json: { client_name: 'renamed' } });
    expect(patched.status, patched.text).toBe(200);
    expect(jwtSecretRow(dir, 'csjwt')).toMatch(/^wrapped:v1:/);
    expectToken(await withAssertion(server, 'csjwt', secret));

    for (const res of [patched, await adminCall(server, '/api/admin/default/clients/csjwt'), await adminCall(server, '/api/admin/default/clients')]) {
      expect(res.status, res.text).toBe(200);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain('wrapped:v1:');
    }
  });

  it('keeps a secret stored before the setting; without the file, or with another, only the wrapped client fails', async () => {
    const dir = newDir();
    // Before the setting: signing keys and this secret stored plain.
    const before = await start(dir);
    const oldSecret = await registerJwtClient(before, 'csjwt-before');
    const changedSecret = await registerJwtClient(before, 'csjwt-changed');
    await before.createClient({ clientId: 'basic', secret: BASIC_SECRET });
    await before.stop();

    writeFileSync(join(dir, 'kek'), randomBytes(32).toString('base64'), { mode: 0o600 });
    const wrapping = await start(dir, KEK);
    expectToken(await withAssertion(wrapping, 'csjwt-before', oldSecret));
    expect(jwtSecretRow(dir, 'csjwt-before')).toBe(oldSecret);
    // Changed through the admin API with the setting: stored wrapped from then on, same secret.
    const patched = await adminCall(wrapping, '/api/admin/default/clients/csjwt-changed', { method: 'PATCH', json: { client_name: 'changed' } });
    expect(patched.status, patched.text).toBe(200);
    expect(jwtSecretRow(dir, 'csjwt-changed')).toMatch(/^wrapped:v1:/);
    expectToken(await withAssertion(wrapping, 'csjwt-changed', changedSecret));
    const newSecret = await registerJwtClient(wrapping, 'csjwt-after');
    expectToken(await withAssertion(wrapping, 'csjwt-after', newSecret));
    expect(jwtSecretRow(dir, 'csjwt-after')).toMatch(/^wrapped:v1:/);
    await wrapping.stop();

    // Without the file: the server starts, the wrapped client is refused, the others are served.
    const without = await start(dir);
    expectOAuthError(await withAssertion(without, 'csjwt-after', newSecret), 401, 'invalid_client');
    // The stored (wrapped) value is never taken for the key.
    expectOAuthError(await withAssertion(without, 'csjwt-after', jwtSecretRow(dir, 'csjwt-after')!), 401, 'invalid_client');
    expect(without.logs.some((line) => line.includes('key_encryption_key_file') && line.includes('csjwt-after'))).toBe(true);
    expectToken(await withAssertion(without, 'csjwt-before', oldSecret));
    expectToken(await clientCredentials(without, '/oauth2', 'basic', BASIC_SECRET));
    await without.stop();

    // With another file: the same.
    writeFileSync(join(dir, 'other-kek'), randomBytes(32).toString('base64'), { mode: 0o600 });
    const other = await start(dir, '[server]\nkey_encryption_key_file = "other-kek"\n');
    expectOAuthError(await withAssertion(other, 'csjwt-after', newSecret), 401, 'invalid_client');
    expect(other.logs.some((line) => line.includes('another key') && line.includes('csjwt-after'))).toBe(true);
    expectToken(await withAssertion(other, 'csjwt-before', oldSecret));
    await other.stop();
  });

  it('refuses a wrapped secret copied into another client record', async () => {
    const dir = newDir();
    writeFileSync(join(dir, 'kek'), randomBytes(32).toString('base64'), { mode: 0o600 });
    const first = await start(dir, KEK);
    const secret = await registerJwtClient(first, 'victim');
    await registerJwtClient(first, 'attacker');
    await first.stop();

    const db = new BetterSqlite3(join(dir, 'data', 'tessera.db'), { fileMustExist: true });
    try {
      db.prepare("update clients set jwt_secret = (select jwt_secret from clients where client_id = 'victim') where client_id = 'attacker'").run();
    } finally {
      db.close();
    }
    const second = await start(dir, KEK);
    expectOAuthError(await withAssertion(second, 'attacker', secret), 401, 'invalid_client');
    expect(second.logs.some((line) => line.includes('does not decrypt') && line.includes('attacker'))).toBe(true);
    expectToken(await withAssertion(second, 'victim', secret));
  });
});
