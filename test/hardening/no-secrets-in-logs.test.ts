/**
 * At debug level, through every flow the server has — the admin API (clients with given and
 * generated secrets, secret rotation, users and password changes, key rotation), the token grants,
 * the authorization code flow with its pages, refresh, introspection, revocation, userinfo, mutual
 * TLS by handshake and by forwarded header, failures of each — no log line holds a client secret, a
 * password, a private key (the server's TLS key, a client's key, a signing key's private JWK), a
 * Basic header, an access, refresh or ID token, a code, a PKCE verifier, a CSRF token or a session
 * id. (test/oauth/logging.test.ts covers the OAuth flows; this adds the admin API, keys and mTLS.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { CookieJar, REDIRECT_URI, authorizeAndApprove, pkcePair, startAuthorization, submitLogin } from '../oauth/oauth-helpers.ts';
import { closeClients } from '../support/https-client.ts';
import { createSelfSigned, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, send } from './kit.ts';

const ADMIN: [string, string] = ['root', 'Adm1n-Pw-7c1e9a3f5b2d8e4c'];
const GIVEN_SECRET = 'Given-Secret-3f9a1c7e5b2d4f6a8c0e';
const ROTATED_SECRET = 'Rotated-Secret-8e2c4a6f1b3d5e7a9c';
const WRONG_SECRET = 'Wrong-Secret-5d7f9b1c3e5a7c9e1b3d';
const USER_PASSWORD = 'User-Pw-1a3c5e7b9d2f4a6c';
const CHANGED_PASSWORD = 'User-Pw-Changed-2b4d6f8a1c3e5a7c';
const WRONG_PASSWORD = 'User-Pw-Wrong-9e7c5a3f1d2b4c6e';
const HEADER = 'x-client-cert';

describe('no secret in any log line', () => {
  let server: TestServer;
  let mtls: Issued;
  const secrets = new Map<string, string>();
  const keep = (what: string, value: unknown) => {
    if (typeof value === 'string' && value.length >= 8) secrets.set(value, what);
  };

  beforeAll(async () => {
    mtls = await createSelfSigned({ subject: 'CN=log-mtls' });
    server = await startTestServer({
      mount: adminRoutes,
      toml: `
[super_admin]
username = "${ADMIN[0]}"
password = "${ADMIN[1]}"

[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[oauth.mutualtls]
client_certificate_header = "${HEADER}"

[logging]
level = "debug"
`,
    });
    for (const [what, value] of [['admin password', ADMIN[1]], ['given secret', GIVEN_SECRET], ['rotated secret', ROTATED_SECRET], ['wrong secret', WRONG_SECRET], ['user password', USER_PASSWORD], ['changed password', CHANGED_PASSWORD], ['wrong password', WRONG_PASSWORD]]) keep(what, value);
    const adminBasic = `Basic ${Buffer.from(`${ADMIN[0]}:${ADMIN[1]}`).toString('base64')}`;
    keep('admin Basic header', adminBasic.slice(6));
    const api = (method: string, path: string, body?: unknown) =>
      send(`${server.url}/api/admin/default${path}`, { method, basic: ADMIN, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });

    // Admin API: clients, secrets, users, passwords, keys.
    expect((await api('POST', '/clients', { client_id: 'given', client_secret: GIVEN_SECRET, grant_types: ['client_credentials', 'password', 'authorization_code', 'refresh_token'], redirect_uris: [REDIRECT_URI], scope: 'openid profile' })).status).toBe(201);
    const generated = await api('POST', '/clients', { client_id: 'generated', grant_types: ['client_credentials'], access_token_format: 'opaque' });
    expect(generated.status).toBe(201);
    keep('generated secret', generated.json.client_secret);
    expect((await api('PATCH', '/clients/given', { client_secret: ROTATED_SECRET })).status).toBe(200);
    expect((await api('POST', '/clients', { client_id: 'mtls', token_endpoint_auth_method: 'self_signed_tls_client_auth', certificate: mtls.certPem, grant_types: ['client_credentials'] })).status).toBe(201);
    const user = await api('POST', '/users', { username: 'lou', password: USER_PASSWORD });
    expect(user.status, user.text).toBe(201);
    expect((await api('PATCH', `/users/${user.json.id}`, { password: CHANGED_PASSWORD })).status).toBe(200);
    expect((await api('POST', '/servers/default/keys/rotate')).status).toBeLessThan(300);
    await api('GET', '/clients');
    await send(`${server.url}/api/admin/default/clients`, { basic: [ADMIN[0], WRONG_PASSWORD] });

    // Grants, with failures.
    const given: [string, string] = ['given', ROTATED_SECRET];
    const token = (form: Record<string, string>, basic: [string, string] = given) => send(`${server.url}/oauth2/token`, { form, basic });
    const results = [
      await token({ grant_type: 'client_credentials' }),
      await token({ grant_type: 'client_credentials' }, ['generated', generated.json.client_secret]),
      await token({ grant_type: 'password', username: 'lou', password: CHANGED_PASSWORD, scope: 'openid' }),
    ];
    await token({ grant_type: 'client_credentials' }, ['given', WRONG_SECRET]);
    await token({ grant_type: 'client_credentials' }, ['given', GIVEN_SECRET]);
    await token({ grant_type: 'password', username: 'lou', password: WRONG_PASSWORD });
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: results[2].json.refresh_token });
    await token({ grant_type: 'refresh_token', refresh_token: results[2].json.refresh_token });
    results.push(refreshed);

    // The code flow, its pages and a failed sign-in.
    const { verifier, challenge } = pkcePair();
    const jar = new CookieJar();
    const login = await startAuthorization(server, jar, { client_id: 'given', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' });
    await submitLogin(server, jar, login, 'lou', WRONG_PASSWORD);
    keep('csrf token', login.csrf);
    const flow = await authorizeAndApprove(server, { client_id: 'given', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }, { username: 'lou', password: CHANGED_PASSWORD });
    keep('code', flow.code);
    keep('code verifier', verifier);
    keep('session id', flow.jar.get('tessera_session_default_default'));
    const byCode = await token({ grant_type: 'authorization_code', code: flow.code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    await token({ grant_type: 'authorization_code', code: flow.code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    results.push(byCode);

    // Mutual TLS by handshake and by header; a wrong certificate.
    const other = await createSelfSigned({ subject: 'CN=log-other' });
    results.push(await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: 'mtls' }, cert: mtls.certPem, key: mtls.keyPem }));
    results.push(await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: 'mtls' }, headers: { [HEADER]: encodeURIComponent(mtls.certPem) } }));
    await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: 'mtls' }, cert: other.certPem, key: other.keyPem });

    for (const r of results) {
      expect(r.status, r.text).toBe(200);
      keep('access token', r.json.access_token);
      keep('refresh token', r.json.refresh_token);
      keep('id token', r.json.id_token);
    }

    // Resource and token endpoints, with failures.
    const access = byCode.json.access_token;
    await send(`${server.url}/oauth2/introspect`, { form: { token: access }, basic: ADMIN });
    await send(`${server.url}/oauth2/introspect`, { form: { token: access }, basic: ['given', WRONG_SECRET] });
    await send(`${server.url}/oauth2/userinfo`, { bearer: access });
    await send(`${server.url}/oauth2/userinfo`, { bearer: `${access}x` });
    await send(`${server.url}/oauth2/revoke`, { form: { token: refreshed.json.refresh_token }, basic: given });
    await send(`${server.url}/api/admin/default/clients`, { bearer: access });

    // Private keys: the server's TLS key, the client's key, every signing key's private members.
    const pemBody = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const serverKey = pemBody(readFileSync(join(server.runtime.config.server.data_dir, 'server-key.pem'), 'utf8'));
    keep('server TLS key', serverKey.slice(20, 80));
    keep('client key', pemBody(mtls.keyPem).slice(20, 80));
    for (const key of await server.runtime.store.keys.list(DEFAULT_SERVER)) {
      const jwk = JSON.parse(key.privateJwk) as Record<string, string>;
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) if (jwk[member]) keep(`signing key ${key.kid} ${member}`, jwk[member].slice(0, 40));
    }
  });
  afterAll(async () => {
    await closeAgents();
    await closeClients();
    await server.dispose();
  });

  it('captured a debug-level log of every flow', () => {
    expect(server.logs.some((l) => l.includes('"level":20'))).toBe(true);
    const text = server.logs.join('\n');
    for (const event of ['client.authentication.succeeded', 'client.authentication.failed', 'user.login.failed', 'token.issued', 'token.reuse_detected', 'token.revoked', 'admin.changed']) {
      expect(text, event).toContain(event);
    }
    expect(secrets.size).toBeGreaterThanOrEqual(30);
  });

  it('holds none of them', () => {
    const leaks: string[] = [];
    for (const line of server.logs) {
      for (const [value, what] of secrets) if (line.includes(value)) leaks.push(`${what}: ${line.slice(0, 300)}`);
    }
    expect(leaks).toEqual([]);
  });
});
