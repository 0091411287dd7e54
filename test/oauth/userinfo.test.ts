/**
 * GET/POST /oauth2/userinfo (OpenID Connect Core §5.3) behind the bearer check: RFC 6750 challenges
 * for missing, malformed, invalid and revoked tokens; insufficient_scope without openid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../core/crypto/random-token.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { createUser, tokenRequest } from './oauth-helpers.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const hank = { username: 'hank', password: 'hank-Passw0rd-for-tests' };

describe('userinfo', () => {
  let server: TestServer;
  let userinfo: string;
  beforeAll(async () => {
    server = await startTestServer();
    userinfo = `${server.url}/oauth2/userinfo`;
    await server.createClient({ clientId: 'app', scopes: ['openid', 'read'], secret: SECRET });
    await server.createClient({ clientId: 'app-opaque', scopes: ['openid', 'read'], secret: SECRET, accessTokenFormat: 'opaque' });
    await createUser(server, hank.username, hank.password, { email: 'hank@example.com', email_verified: true });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  async function accessToken(scope = 'openid', clientId = 'app') {
    const result = await tokenRequest(server, { grant_type: 'password', ...hank, scope }, { basic: [clientId, SECRET] });
    expect(result.status, result.text).toBe(200);
    return result.json.access_token as string;
  }

  function expectInvalidToken(result: Awaited<ReturnType<typeof call>>) {
    expect(result.status, result.text).toBe(401);
    expect(result.json.error).toBe('invalid_token');
    expect(String(result.headers['www-authenticate'])).toMatch(/^Bearer error="invalid_token"/);
    expect(result.headers['cache-control']).toBe('no-store');
  }

  it.each(['app', 'app-opaque'])('answers the user claims for a Bearer token (%s) by GET and POST', async (clientId) => {
    const token = await accessToken('openid', clientId);
    const get = await call(userinfo, { bearer: token });
    expect(get.status, get.text).toBe(200);
    expect(get.headers['cache-control']).toBe('no-store');
    expect(get.json).toEqual({ sub: 'hank', preferred_username: 'hank', email: 'hank@example.com', email_verified: true });
    const post = await call(userinfo, { method: 'POST', bearer: token });
    expect(post.json).toMatchObject({ sub: 'hank' });
    const form = await call(userinfo, { form: { access_token: token } });
    expect(form.status, form.text).toBe(200);
    expect(form.json).toMatchObject({ sub: 'hank' });
  });

  it('challenges a request without a token with 401 and WWW-Authenticate: Bearer', async () => {
    const result = await call(userinfo);
    expect(result.status).toBe(401);
    expect(String(result.headers['www-authenticate'])).toMatch(/^Bearer realm=/);
    expect(String(result.headers['www-authenticate'])).not.toContain('error=');
  });

  it('answers invalid_token for an unknown, malformed or non-Bearer credential', async () => {
    expectInvalidToken(await call(userinfo, { bearer: randomToken() }));
    expectInvalidToken(await call(userinfo, { bearer: 'a.b.c' }));
    expectInvalidToken(await call(userinfo, { headers: { authorization: 'Bearer two words' } }));
    expectInvalidToken(await call(userinfo, { basic: [hank.username, hank.password] }));
  });

  it('answers invalid_token for a revoked token', async () => {
    const token = await accessToken();
    expect((await call(userinfo, { bearer: token })).status).toBe(200);
    expect((await call(`${server.url}/oauth2/revoke`, { form: { token }, basic: ['app', SECRET] })).status).toBe(200);
    expectInvalidToken(await call(userinfo, { bearer: token }));
  });

  it('answers 403 insufficient_scope for a token without openid', async () => {
    const result = await call(userinfo, { bearer: await accessToken('read') });
    expect(result.status).toBe(403);
    expect(result.json.error).toBe('insufficient_scope');
    expect(String(result.headers['www-authenticate'])).toBe('Bearer error="insufficient_scope", scope="openid"');
  });

  it('answers invalid_token for a token that was not issued to a user', async () => {
    const cc = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'openid' }, { basic: ['app', SECRET] });
    expectInvalidToken(await call(userinfo, { bearer: cc.json.access_token }));
  });

  it('refuses a token sent in the header and the body at once', async () => {
    const token = await accessToken();
    const result = await call(userinfo, { form: { access_token: token }, bearer: token });
    expect(result.status).toBe(400);
    expect(result.json.error).toBe('invalid_request');
  });
});
