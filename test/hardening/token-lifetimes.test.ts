/**
 * Lifetimes from deployment.toml are enforced, set short here and passed on the server's test clock: access tokens (JWT and
 * opaque) at introspection and userinfo, refresh tokens, authorization codes, and the ID token's
 * exp. `[oauth] clock_skew` is an allowance for clocks the server does not own (JWT verification);
 * it never lengthens the server's own records — set to a minute here, a token is still inactive
 * as soon as its exp has passed.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { authorizeAndApprove, pkcePair } from '../oauth/oauth-helpers.ts';
import { closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClock } from '../../core/time/clock.ts';
import { closeAgents, send } from './kit.ts';

const ACCESS = 3;
const REFRESH = 4;
const CODE = 3;
const ID = 3;
const SECRET = 'lifetimes-secret-0123456789abcdefg';
const USER = { username: 'tim', password: 'tim-Passw0rd-lifetimes' };
const REDIRECT = 'https://client.example.com/callback';

const clock = new TestClock();

/** Moves the server's clock to `epochSeconds` (the first second at which a record with that exp is over). */
function until(epochSeconds: number) {
  const ms = epochSeconds * 1000 - clock.now();
  if (ms > 0) clock.advance(ms);
}

describe('token lifetimes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      toml: `
[oauth]
access_token_lifetime = ${ACCESS}
refresh_token_lifetime = ${REFRESH}
authorization_code_lifetime = ${CODE}
id_token_lifetime = ${ID}
clock_skew = 60

[logging]
level = "info"
`,
      clock,
    });
    await server.createClient({ clientId: 'jwt', secret: SECRET, accessTokenFormat: 'jwt' });
    await server.createClient({ clientId: 'opaque', secret: SECRET, accessTokenFormat: 'opaque' });
    await server.runtime.users.create(DEFAULT_SERVER, USER);
  });
  afterAll(async () => {
    await closeAgents();
    await closeClients();
    await server.dispose();
  });

  const introspect = (token: string) => send(`${server.url}/oauth2/introspect`, { form: { token }, basic: ['jwt', SECRET] });
  const passwordGrant = async (clientId: string) => {
    const res = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'password', ...USER, scope: 'openid' }, basic: [clientId, SECRET] });
    expect(res.status, res.text).toBe(200);
    return res.json as { access_token: string; refresh_token: string; id_token: string; expires_in: number };
  };

  it('access and refresh tokens expire on time, whatever the clock skew allowance', async () => {
    const issued = await Promise.all(['jwt', 'opaque'].map(async (clientId) => ({ clientId, ...(await passwordGrant(clientId)) })));
    let latestExp = 0;
    for (const t of issued) {
      expect(t.expires_in).toBe(ACCESS);
      const body = (await introspect(t.access_token)).json;
      expect(body.active, t.clientId).toBe(true);
      expect(body.exp - body.iat).toBe(ACCESS);
      latestExp = Math.max(latestExp, body.exp);
      const id = decodeJwt(t.id_token);
      expect(id.exp! - id.iat!).toBe(ID);
    }
    // Past exp, still inside the 60 s skew: inactive.
    until(latestExp);
    for (const t of issued) {
      expect((await introspect(t.access_token)).json, t.clientId).toEqual({ active: false });
      const info = await send(`${server.url}/oauth2/userinfo`, { bearer: t.access_token });
      expect(info.status).toBe(401);
      expect(info.json.error).toBe('invalid_token');
    }
    // The refresh tokens outlive the access tokens by a second, then go too.
    until(latestExp - ACCESS + REFRESH);
    for (const t of issued) {
      const res = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'refresh_token', refresh_token: t.refresh_token }, basic: [t.clientId, SECRET] });
      expect(res.status, res.text).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_grant', error_description: 'the refresh token is invalid or expired' });
    }
  });

  it('an authorization code expires on time', async () => {
    const { verifier, challenge } = pkcePair();
    const before = Math.floor(clock.now() / 1000);
    const { code } = await authorizeAndApprove(server, { client_id: 'jwt', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' }, USER);
    until(before + CODE + 1);
    const res = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, basic: ['jwt', SECRET] });
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toBe('invalid_grant');
  });
});
