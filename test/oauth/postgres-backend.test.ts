/**
 * The OAuth flows on PostgreSQL (its own schema, dropped afterwards): the atomic steps — code
 * redemption, refresh rotation, login failure counters — under concurrent requests on a real pool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import {
  REDIRECT_URI,
  authorizeAndApprove,
  createUser,
  expectActive,
  expectOAuthError,
  introspect,
  pkcePair,
  tokenRequest,
} from './oauth-helpers.ts';
import { dropSchema, postgresToml, uniqueSchema } from '../support/postgres.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const kim = { username: 'kim', password: 'kim-Passw0rd-for-tests' };
const schema = uniqueSchema('tessera_oauth_pg');

describe('OAuth flows on PostgreSQL', () => {
  let server: TestServer;
  const basic: [string, string] = ['app', SECRET];
  beforeAll(async () => {
    server = await startTestServer({ toml: `${postgresToml(schema)}\n[limits]\nlogin_max_attempts = 4\n` });
    await server.createClient({ clientId: 'app', secret: SECRET });
    await server.createClient({ clientId: 'app-opaque', secret: SECRET, accessTokenFormat: 'opaque' });
    await createUser(server, kim.username, kim.password);
    await createUser(server, 'lee', 'lee-Passw0rd-for-tests');
  });
  afterAll(async () => {
    await closeClients();
    await server?.dispose();
    await dropSchema(schema);
  });

  it('runs on PostgreSQL in its own schema', () => {
    expect(server.runtime.store.kind).toBe('postgres');
  });

  it('issues, introspects and revokes client_credentials tokens', async () => {
    for (const clientId of ['app', 'app-opaque']) {
      const token = await tokenRequest(server, { grant_type: 'client_credentials' }, { basic: [clientId, SECRET] });
      expect(token.status, token.text).toBe(200);
      expect(await introspect(server, token.json.access_token)).toMatchObject({ active: true, client_id: clientId });
      expect((await call(`${server.url}/oauth2/revoke`, { form: { token: token.json.access_token }, basic: [clientId, SECRET] })).status).toBe(200);
      await expectActive(server, token.json.access_token, false);
    }
  });

  it('runs the authorization code flow and refuses the code a second time', async () => {
    const { verifier, challenge } = pkcePair();
    const { code, redirect } = await authorizeAndApprove(server, { client_id: 'app', redirect_uri: REDIRECT_URI, scope: 'openid', state: 'pg', code_challenge: challenge, code_challenge_method: 'S256' }, kim);
    expect(redirect.searchParams.get('state')).toBe('pg');
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier };
    const tokens = await tokenRequest(server, form, { basic });
    expect(tokens.status, tokens.text).toBe(200);
    const userinfo = await call(`${server.url}/oauth2/userinfo`, { bearer: tokens.json.access_token });
    expect(userinfo.json).toMatchObject({ sub: 'kim' });
    expectOAuthError(await tokenRequest(server, form, { basic }), 400, 'invalid_grant');
    await expectActive(server, tokens.json.access_token, false);
  });

  it('lets exactly one of 10 concurrent redemptions of a code succeed, and revokes what it got', async () => {
    for (let round = 0; round < 2; round++) {
      const { verifier, challenge } = pkcePair();
      const { code } = await authorizeAndApprove(server, { client_id: 'app', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' }, kim);
      const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier };
      const results = await Promise.all(Array.from({ length: 10 }, () => tokenRequest(server, form, { basic })));
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 200)) expectOAuthError(r, 400, 'invalid_grant');
      await expectActive(server, ok[0].json.access_token, false);
    }
  });

  it('rotates refresh tokens and revokes the family on reuse', async () => {
    const first = await tokenRequest(server, { grant_type: 'password', ...kim }, { basic });
    const second = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, { basic });
    expect(second.status, second.text).toBe(200);
    expectOAuthError(await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, { basic }), 400, 'invalid_grant');
    await expectActive(server, first.json.access_token, false);
    await expectActive(server, second.json.access_token, false);
    expectOAuthError(await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: second.json.refresh_token }, { basic }), 400, 'invalid_grant');
  });

  it('lets exactly one of several concurrent refreshes win', async () => {
    const first = await tokenRequest(server, { grant_type: 'password', ...kim }, { basic });
    const results = await Promise.all(Array.from({ length: 6 }, () => tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, { basic })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    await expectActive(server, ok[0].json.access_token, false);
  });

  it('counts concurrent login failures without losing one', async () => {
    const failures = await Promise.all(Array.from({ length: 4 }, (_, i) => tokenRequest(server, { grant_type: 'password', username: 'lee', password: `wrong-${i}` }, { basic })));
    for (const f of failures) expectOAuthError(f, 400, 'invalid_grant');
    const locked = await tokenRequest(server, { grant_type: 'password', username: 'lee', password: 'lee-Passw0rd-for-tests' }, { basic });
    expectOAuthError(locked, 400, 'invalid_grant');
    expect(locked.json.error_description).toContain('too many failed attempts');
  });
});
