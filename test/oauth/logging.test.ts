/**
 * What the server logs (captured at debug level) while every flow runs, successes and failures:
 * never a client secret, a user password, an access/refresh/ID token or an authorization code.
 * And the start-up warning while the default admin/admin credentials are in use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import {
  CookieJar,
  REDIRECT_URI,
  authorizeAndApprove,
  createUser,
  pkcePair,
  startAuthorization,
  submitLogin,
  tokenRequest,
} from './oauth-helpers.ts';

const SECRET = 'Sekr1t-client-7f3a9c1e5b2d4a68';
const WRONG_SECRET = 'Wr0ng-client-9d8e7f6a5b4c3d2e';
const PASSWORD = 'Pw-user-4c8e2a9f1b7d3e5a';
const WRONG_PASSWORD = 'Pw-wrong-6a1f3e9c8b2d7e4f';

describe('logs', () => {
  let server: TestServer;
  const secrets: string[] = [SECRET, WRONG_SECRET, PASSWORD, WRONG_PASSWORD];
  const basic: [string, string] = ['app', SECRET];
  const keep = (...values: (string | undefined)[]) => {
    for (const v of values) if (v) secrets.push(v);
  };

  beforeAll(async () => {
    server = await startTestServer();
    await server.createClient({ clientId: 'app', secret: SECRET });
    await server.createClient({ clientId: 'app-opaque', secret: SECRET, accessTokenFormat: 'opaque' });
    await createUser(server, 'mia', PASSWORD);

    // Every flow, with its failures.
    const cc = await tokenRequest(server, { grant_type: 'client_credentials' }, { basic });
    const ccPost = await tokenRequest(server, { grant_type: 'client_credentials', client_id: 'app-opaque', client_secret: SECRET });
    await tokenRequest(server, { grant_type: 'client_credentials' }, { basic: ['app', WRONG_SECRET] });
    await tokenRequest(server, { grant_type: 'client_credentials', client_id: 'app', client_secret: WRONG_SECRET });
    await tokenRequest(server, { grant_type: 'client_credentials', client_id: 'app', client_secret: SECRET }, { basic });
    const password = await tokenRequest(server, { grant_type: 'password', username: 'mia', password: PASSWORD, scope: 'openid' }, { basic });
    await tokenRequest(server, { grant_type: 'password', username: 'mia', password: WRONG_PASSWORD }, { basic });
    const rotated = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: password.json.refresh_token }, { basic });
    await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: password.json.refresh_token }, { basic });

    const { verifier, challenge } = pkcePair();
    const jar = new CookieJar();
    const login = await startAuthorization(server, jar, { client_id: 'app', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' });
    await submitLogin(server, jar, login, 'mia', WRONG_PASSWORD);
    const { code } = await authorizeAndApprove(server, { client_id: 'app', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }, { username: 'mia', password: PASSWORD });
    const byCode = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, { basic });
    await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, { basic });

    for (const result of [cc, ccPost, password, rotated, byCode]) {
      expect(result.status, result.text).toBe(200);
      keep(result.json.access_token, result.json.refresh_token, result.json.id_token);
    }
    keep(code, verifier, login.csrf, jar.get('tessera_session_default_default'));

    await call(`${server.url}/oauth2/introspect`, { form: { token: byCode.json.access_token }, basic: ['admin', 'admin'] });
    await call(`${server.url}/oauth2/introspect`, { form: { token: byCode.json.access_token }, basic: ['app', WRONG_SECRET] });
    await call(`${server.url}/oauth2/userinfo`, { bearer: rotated.json.access_token });
    await call(`${server.url}/oauth2/userinfo`, { bearer: `${rotated.json.access_token}x` });
    await call(`${server.url}/oauth2/revoke`, { form: { token: ccPost.json.access_token }, basic: ['app-opaque', SECRET] });
    await call(`${server.url}/oauth2/revoke`, { form: { token: cc.json.access_token }, basic: ['app', WRONG_SECRET] });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('were captured, with audit events for the flows', () => {
    expect(server.logs.length).toBeGreaterThan(20);
    const text = server.logs.join('\n');
    for (const event of ['client.authentication.succeeded', 'client.authentication.failed', 'user.login.succeeded', 'user.login.failed', 'token.issued', 'token.refreshed', 'token.reuse_detected', 'token.revoked']) {
      expect(text).toContain(event);
    }
  });

  it('never contain a secret, a password, a token or a code', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(15);
    for (const line of server.logs) {
      for (const value of secrets) {
        if (line.includes(value)) throw new Error(`log line leaks a credential: ${line}`);
      }
    }
  });

  it('warn at start while the default admin/admin credentials are in use', () => {
    const warning = server.logs.map((l) => JSON.parse(l)).find((l) => String(l.msg).includes('default credentials admin/admin'));
    expect(warning).toBeDefined();
    expect(warning.level).toBe(40);
  });
});
