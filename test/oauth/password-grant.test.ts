/**
 * The password grant and the users behind it: the super admin from `[super_admin]`, scrypt hashes,
 * the same answer for an unknown user and a wrong password, lockout after repeated failures.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaults } from '../../core/runtime/default-records.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { createUser, expectOAuthError, introspect, tokenRequest } from './oauth-helpers.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const ROOT_PASSWORD = 'root-Passw0rd-7d1c9e';
const erin = { username: 'erin', password: 'erin-Passw0rd-for-tests' };

describe('password grant and users', () => {
  let server: TestServer;
  const basic: [string, string] = ['app', SECRET];
  beforeAll(async () => {
    server = await startTestServer({
      toml: `[super_admin]\nusername = "root"\npassword = "${ROOT_PASSWORD}"\n\n[limits]\nlogin_max_attempts = 3\n`,
    });
    await server.createClient({ clientId: 'app', scopes: ['openid', 'read'], secret: SECRET });
    await createUser(server, erin.username, erin.password);
    await createUser(server, 'frank', 'frank-Passw0rd-for-tests');
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('issues access, refresh and ID tokens for the right password', async () => {
    const result = await tokenRequest(server, { grant_type: 'password', ...erin, scope: 'openid read' }, { basic });
    expect(result.status, result.text).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.json).toMatchObject({ token_type: 'Bearer', scope: 'openid read' });
    expect(typeof result.json.refresh_token).toBe('string');
    const idToken = decodeJwt(result.json.id_token);
    expect(idToken).toMatchObject({ sub: 'erin', aud: 'app', azp: 'app', preferred_username: 'erin' });
    expect(Math.abs((idToken.auth_time as number) - Date.now() / 1000)).toBeLessThan(60);
    expect(idToken.nonce).toBeUndefined();
    expect(await introspect(server, result.json.access_token, ['root', ROOT_PASSWORD])).toMatchObject({ active: true, username: 'erin', sub: 'erin', client_id: 'app' });
  });

  it('gives no ID token without the openid scope', async () => {
    const result = await tokenRequest(server, { grant_type: 'password', ...erin, scope: 'read' }, { basic });
    expect(result.status, result.text).toBe(200);
    expect(result.json.id_token).toBeUndefined();
  });

  it('answers a wrong password and an unknown user alike, with invalid_grant', async () => {
    const wrong = await tokenRequest(server, { grant_type: 'password', username: 'erin', password: 'not-erins' }, { basic });
    const unknown = await tokenRequest(server, { grant_type: 'password', username: 'nobody', password: 'whatever' }, { basic });
    expectOAuthError(wrong, 400, 'invalid_grant');
    expectOAuthError(unknown, 400, 'invalid_grant');
    expect(wrong.json).toEqual(unknown.json);
  });

  it('requires username and password', async () => {
    expectOAuthError(await tokenRequest(server, { grant_type: 'password', username: 'erin' }, { basic }), 400, 'invalid_request');
    expectOAuthError(await tokenRequest(server, { grant_type: 'password', password: 'x' }, { basic }), 400, 'invalid_request');
  });

  it('locks an account after login_max_attempts failures, even for the right password', async () => {
    for (let i = 0; i < 3; i++) {
      expectOAuthError(await tokenRequest(server, { grant_type: 'password', username: 'frank', password: `wrong-${i}` }, { basic }), 400, 'invalid_grant');
    }
    const locked = await tokenRequest(server, { grant_type: 'password', username: 'frank', password: 'frank-Passw0rd-for-tests' }, { basic });
    expectOAuthError(locked, 400, 'invalid_grant');
    expect(locked.json.error_description).toContain('too many failed attempts');
    // Other accounts are not affected.
    expect((await tokenRequest(server, { grant_type: 'password', ...erin }, { basic })).status).toBe(200);
  });

  it('checks no more than login_max_attempts passwords when the guesses come in parallel', async () => {
    await createUser(server, 'gus', 'gus-Passw0rd-for-tests');
    const guesses = await Promise.all(Array.from({ length: 10 }, (_, i) => tokenRequest(server, { grant_type: 'password', username: 'gus', password: `guess-${i}` }, { basic })));
    for (const g of guesses) expectOAuthError(g, 400, 'invalid_grant');
    const checked = guesses.filter((g) => g.json.error_description === 'invalid username or password');
    expect(checked).toHaveLength(3);
  });

  it('creates the super admin from [super_admin], not admin/admin', async () => {
    const root = await server.runtime.store.users.getByUsername(DEFAULT_SERVER, 'root');
    expect(root).toMatchObject({ username: 'root', isAdmin: true });
    expect(await server.runtime.store.users.getByUsername(DEFAULT_SERVER, 'admin')).toBeNull();
    const token = await tokenRequest(server, { grant_type: 'client_credentials' }, { basic });
    const asRoot = await call(`${server.url}/oauth2/introspect`, { form: { token: token.json.access_token }, basic: ['root', ROOT_PASSWORD] });
    expect(asRoot.json).toMatchObject({ active: true });
    const asDefault = await call(`${server.url}/oauth2/introspect`, { form: { token: token.json.access_token }, basic: ['admin', 'admin'] });
    expectOAuthError(asDefault, 401, 'invalid_client');
    // Configured credentials: no default-credentials warning.
    expect(server.logs.some((l) => l.includes('default credentials'))).toBe(false);
  });

  it('warns at start while a super admin still accepts admin/admin, even under another configured name', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (o: object | string, m?: string) => void warnings.push(typeof o === 'string' ? o : String(m)) };
    await ensureDefaults(server.runtime.store, server.runtime.users, server.runtime.config, logger);
    expect(warnings).toEqual([]);
    // A super admin left over from before [super_admin] named "root" still has the default password.
    await server.runtime.users.create(DEFAULT_SERVER, { username: 'admin', password: 'admin', isAdmin: true });
    await ensureDefaults(server.runtime.store, server.runtime.users, server.runtime.config, logger);
    expect(warnings.join('\n')).toContain('admin/admin');
  });

  it('keeps passwords as salted scrypt hashes only', async () => {
    const user = await server.runtime.store.users.getByUsername(DEFAULT_SERVER, 'erin');
    expect(user!.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(user!.passwordHash).not.toContain(erin.password);
    const other = await createUser(server, 'erin2', erin.password);
    expect(other.passwordHash).not.toBe(user!.passwordHash);
    const root = await server.runtime.store.users.getByUsername(DEFAULT_SERVER, 'root');
    expect(root!.passwordHash).toMatch(/^scrypt\$/);
    expect(root!.passwordHash).not.toContain(ROOT_PASSWORD);
  });

  it('refuses the grant when it is not enabled for the client', async () => {
    await server.createClient({ clientId: 'no-password', secret: SECRET, grantTypes: ['client_credentials'] });
    expectOAuthError(await tokenRequest(server, { grant_type: 'password', ...erin }, { basic: ['no-password', SECRET] }), 400, 'unauthorized_client');
  });
});
