/**
 * Security review #15 item 6: a client registered without `scopes` may be granted `[oauth]
 * default_scopes` and nothing else. Before, it got any scope it asked, `admin` included, and
 * introspection showed the token active with `scope: admin`. `admin` comes only from a registration.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { createUser, expectOAuthError, introspect, tokenRequest } from './oauth-helpers.ts';

const SECRET = 'unscoped-secret-0123456789abcdef';

describe('scopes of a client registered without scopes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.createClient({ clientId: 'unscoped', secret: SECRET });
    await server.createClient({ clientId: 'registered-admin', secret: SECRET, scopes: ['admin'] });
    await createUser(server, 'alice', 'alice-Passw0rd!');
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('refuses admin with invalid_scope at the token endpoint, for client_credentials and password', async () => {
    const cc = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'admin' }, { basic: ['unscoped', SECRET] });
    expectOAuthError(cc, 400, 'invalid_scope');
    expect(cc.json.error_description).toContain('admin');
    const pw = await tokenRequest(server, { grant_type: 'password', username: 'alice', password: 'alice-Passw0rd!', scope: 'openid admin' }, { basic: ['unscoped', SECRET] });
    expectOAuthError(pw, 400, 'invalid_scope');
  });

  it('refuses any scope outside default_scopes', async () => {
    const result = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'orders:write' }, { basic: ['unscoped', SECRET] });
    expectOAuthError(result, 400, 'invalid_scope');
  });

  it('grants the default scopes: the non-OIDC ones when none is asked, OIDC ones only when asked', async () => {
    const none = await tokenRequest(server, { grant_type: 'client_credentials' }, { basic: ['unscoped', SECRET] });
    expect(none.status, none.text).toBe(200);
    expect(none.json.scope).toBe('default');
    const oidc = await tokenRequest(server, { grant_type: 'password', username: 'alice', password: 'alice-Passw0rd!', scope: 'openid profile' }, { basic: ['unscoped', SECRET] });
    expect(oidc.status, oidc.text).toBe(200);
    expect(oidc.json.scope).toBe('openid profile');
    expect(await introspect(server, oidc.json.access_token)).toMatchObject({ active: true, scope: 'openid profile' });
  });

  it('grants admin to a client registered with it', async () => {
    const result = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'admin' }, { basic: ['registered-admin', SECRET] });
    expect(result.status, result.text).toBe(200);
    expect(await introspect(server, result.json.access_token)).toMatchObject({ active: true, scope: 'admin' });
  });
});
