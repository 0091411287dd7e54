/**
 * What a restart must keep, on SQLite and on PostgreSQL: access tokens (JWT and opaque) stay active,
 * refresh tokens and unredeemed codes keep working, the signing keys stay the same, and the super
 * admin follows `[super_admin]` (a changed password replaces the old one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import {
  REDIRECT_URI,
  authorizeAndApprove,
  createUser,
  expectOAuthError,
  pkcePair,
  tokenRequest,
} from './oauth-helpers.ts';
import { dropSchema, postgresToml, uniqueSchema } from '../support/postgres.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const NEW_ADMIN_PASSWORD = 'admin-Rotated-5b2e8a';
const jane = { username: 'jane', password: 'jane-Passw0rd-for-tests' };
// A fixed public URL keeps the issuer stable although the port changes with every start.
const PUBLIC = '[server]\npublic_url = "https://id.tessera.test"\n';

const backends = [
  { name: 'SQLite', schema: null },
  { name: 'PostgreSQL', schema: uniqueSchema('tessera_oauth_restart') },
];

describe.each(backends)('a restart on $name', ({ schema }) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-restart-'));
  const database = schema ? postgresToml(schema) : '';
  let server: TestServer;
  const before: { jwt: string; opaque: string; refresh: string; code: string; verifier: string; kids: string[] } = {
    jwt: '', opaque: '', refresh: '', code: '', verifier: '', kids: [],
  };

  beforeAll(async () => {
    const first = await startTestServer({ dir, toml: `${PUBLIC}\n${database}` });
    try {
      expect(first.runtime.store.kind).toBe(schema ? 'postgres' : 'sqlite');
      await first.createClient({ clientId: 'app', secret: SECRET });
      await first.createClient({ clientId: 'app-opaque', secret: SECRET, accessTokenFormat: 'opaque' });
      await createUser(first, jane.username, jane.password);
      const jwt = await tokenRequest(first, { grant_type: 'password', ...jane, scope: 'openid' }, { basic: ['app', SECRET] });
      const opaque = await tokenRequest(first, { grant_type: 'password', ...jane, scope: 'openid' }, { basic: ['app-opaque', SECRET] });
      expect(jwt.status, jwt.text).toBe(200);
      expect(opaque.status, opaque.text).toBe(200);
      const { verifier, challenge } = pkcePair();
      const { code } = await authorizeAndApprove(first, { client_id: 'app', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' }, jane);
      Object.assign(before, {
        jwt: jwt.json.access_token,
        opaque: opaque.json.access_token,
        refresh: jwt.json.refresh_token,
        code,
        verifier,
        kids: (await call(`${first.url}/oauth2/jwks`)).json.keys.map((k: { kid: string }) => k.kid).sort(),
      });
      expect(first.logs.some((l) => l.includes('default credentials admin/admin'))).toBe(true);
    } finally {
      await first.stop();
    }
    server = await startTestServer({ dir, toml: `${PUBLIC}\n${database}\n[super_admin]\npassword = "${NEW_ADMIN_PASSWORD}"\n` });
  });

  afterAll(async () => {
    await closeClients();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (schema) await dropSchema(schema);
  });

  const introspect = async (token: string) =>
    (await call(`${server.url}/oauth2/introspect`, { form: { token }, basic: ['admin', NEW_ADMIN_PASSWORD] })).json;

  it('keeps JWT and opaque access tokens active', async () => {
    expect(await introspect(before.jwt)).toMatchObject({ active: true, client_id: 'app', username: 'jane', iss: 'https://id.tessera.test' });
    expect(await introspect(before.opaque)).toMatchObject({ active: true, client_id: 'app-opaque', username: 'jane' });
    const userinfo = await call(`${server.url}/oauth2/userinfo`, { bearer: before.opaque });
    expect(userinfo.status, userinfo.text).toBe(200);
    expect(userinfo.json.sub).toBe('jane');
  });

  it('publishes the same signing keys', async () => {
    const kids = (await call(`${server.url}/oauth2/jwks`)).json.keys.map((k: { kid: string }) => k.kid).sort();
    expect(kids).toEqual(before.kids);
  });

  it('keeps the refresh token and the unredeemed code usable', async () => {
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: before.refresh }, { basic: ['app', SECRET] });
    expect(refreshed.status, refreshed.text).toBe(200);
    const redeemed = await tokenRequest(server, { grant_type: 'authorization_code', code: before.code, redirect_uri: REDIRECT_URI, code_verifier: before.verifier }, { basic: ['app', SECRET] });
    expect(redeemed.status, redeemed.text).toBe(200);
  });

  it('takes the super admin password from the new configuration', async () => {
    const old = await call(`${server.url}/oauth2/introspect`, { form: { token: before.jwt }, basic: ['admin', 'admin'] });
    expectOAuthError(old, 401, 'invalid_client');
    expect((await introspect(before.jwt)).active).toBe(true);
    expect(server.logs.some((l) => l.includes('default credentials'))).toBe(false);
  });
});
