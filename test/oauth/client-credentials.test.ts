/**
 * The client_credentials grant: token shape per `[oauth] access_token_format` and per client, scopes
 * (registered subset, defaults, malformed), no refresh token and no ID token.
 */
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { expectOAuthError, introspect, tokenRequest } from './oauth-helpers.ts';

const SECRET = 'svc-secret-0123456789abcdefgh';

describe('client_credentials grant', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Opaque by default here; one client overrides to JWT.
    server = await startTestServer({ toml: '[oauth]\naccess_token_format = "opaque"\ndefault_scopes = ["default", "basic", "openid", "a", "b", "x", "y"]\n' });
    await server.createClient({ clientId: 'svc', secret: SECRET });
    await server.createClient({ clientId: 'svc-jwt', secret: SECRET, accessTokenFormat: 'jwt' });
    await server.createClient({ clientId: 'scoped', secret: SECRET, scopes: ['orders:read', 'orders:write'] });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('issues an opaque access token without refresh or ID token, scoped to the server defaults', async () => {
    const result = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'openid' }, { basic: ['svc', SECRET] });
    expect(result.status, result.text).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(Object.keys(result.json).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(result.json.access_token).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
    expect(result.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid' });

    const defaults = await tokenRequest(server, { grant_type: 'client_credentials' }, { basic: ['svc', SECRET] });
    // None asked: the defaults that are not OIDC scopes (openid must be asked for).
    expect(defaults.json.scope).toBe('default basic a b x y');
    const body = await introspect(server, defaults.json.access_token);
    expect(body).toMatchObject({ active: true, client_id: 'svc', sub: 'svc', scope: 'default basic a b x y', token_type: 'Bearer' });
    expect(body.username).toBeUndefined();
  });

  it('issues an RFC 9068 JWT for a client that asks for the jwt format', async () => {
    const result = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'a b' }, { basic: ['svc-jwt', SECRET] });
    expect(result.status, result.text).toBe(200);
    const header = decodeProtectedHeader(result.json.access_token);
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    const claims = decodeJwt(result.json.access_token);
    expect(claims).toMatchObject({ iss: server.running.baseUrl, sub: 'svc-jwt', client_id: 'svc-jwt', scope: 'a b', aud: ['svc-jwt'] });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(typeof claims.jti).toBe('string');
    expect(await introspect(server, result.json.access_token)).toMatchObject({ active: true, client_id: 'svc-jwt', scope: 'a b' });
  });

  it('grants a subset of registered scopes, all of them when none is asked, and refuses others', async () => {
    const all = await tokenRequest(server, { grant_type: 'client_credentials' }, { basic: ['scoped', SECRET] });
    expect(all.json.scope).toBe('orders:read orders:write');
    const some = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'orders:read' }, { basic: ['scoped', SECRET] });
    expect(some.json.scope).toBe('orders:read');
    const refused = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'orders:read admin' }, { basic: ['scoped', SECRET] });
    expectOAuthError(refused, 400, 'invalid_scope');
    expect(refused.json.error_description).toContain('admin');
  });

  it('refuses a malformed scope', async () => {
    expectOAuthError(await tokenRequest(server, { grant_type: 'client_credentials', scope: 'a\\b' }, { basic: ['svc', SECRET] }), 400, 'invalid_scope');
  });

  it('answers the same scope set once per duplicate', async () => {
    const result = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'x  x y' }, { basic: ['svc', SECRET] });
    expect(result.json.scope).toBe('x y');
  });
});
