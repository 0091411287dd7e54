/**
 * Introspection (RFC 7662) by the super admin or an authenticated client, with every member for an
 * active token and only {"active": false} otherwise; revocation (RFC 7009) of access and refresh
 * tokens by the client they were issued to.
 */
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../core/crypto/random-token.ts';
import { sha256Base64Url } from '../../core/crypto/sha256.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { createUser, expectActive, expectOAuthError, introspect, tokenRequest } from './oauth-helpers.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const RS_SECRET = 'rs-secret-0123456789abcdefghi';
const OTHER_SECRET = 'other-secret-0123456789abcdef';
const gina = { username: 'gina', password: 'gina-Passw0rd-for-tests' };

describe('introspection and revocation', () => {
  let server: TestServer;
  const basic: [string, string] = ['app', SECRET];
  beforeAll(async () => {
    server = await startTestServer();
    await server.createClient({ clientId: 'app', scopes: ['openid', 'read'], secret: SECRET });
    await server.createClient({ clientId: 'app-opaque', scopes: ['openid', 'read'], secret: SECRET, accessTokenFormat: 'opaque' });
    await server.createClient({ clientId: 'rs', secret: RS_SECRET, tokenEndpointAuthMethod: 'client_secret_post', grantTypes: [] });
    await server.createClient({ clientId: 'other', scopes: ['openid', 'read'], secret: OTHER_SECRET });
    await server.createClient({ clientId: 'public', scopes: ['openid', 'read'], tokenEndpointAuthMethod: 'none' });
    await createUser(server, gina.username, gina.password);
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  const introspectCall = (form: Record<string, string>, options: Parameters<typeof call>[1] = {}) => call(`${server.url}/oauth2/introspect`, { ...options, form });
  const revokeCall = (form: Record<string, string>, options: Parameters<typeof call>[1] = {}) => call(`${server.url}/oauth2/revoke`, { ...options, form });

  async function userTokens(client: [string, string] = basic) {
    const result = await tokenRequest(server, { grant_type: 'password', ...gina, scope: 'openid read' }, { basic: client });
    expect(result.status, result.text).toBe(200);
    return result.json as { access_token: string; refresh_token: string };
  }

  describe('introspection', () => {
    it.each([
      ['jwt', 'app'],
      ['opaque', 'app-opaque'],
    ])('returns every RFC 7662 member for an active %s token', async (_format, clientId) => {
      const tokens = await userTokens([clientId, SECRET]);
      const result = await introspectCall({ token: tokens.access_token }, { basic: ['admin', 'admin'] });
      expect(result.status, result.text).toBe(200);
      expect(result.headers['cache-control']).toBe('no-store');
      const body = result.json;
      expect(body).toMatchObject({ active: true, scope: 'openid read', client_id: clientId, username: 'gina', sub: 'gina', token_type: 'Bearer', aud: clientId, iss: server.running.baseUrl });
      expect(body.exp - body.iat).toBe(3600);
      expect(body.nbf).toBe(body.iat);
      expect(Math.abs(body.iat - Date.now() / 1000)).toBeLessThan(60);
      if (_format === 'jwt') {
        const claims = decodeJwt(tokens.access_token);
        expect(body).toMatchObject({ exp: claims.exp, iat: claims.iat, sub: claims.sub });
      }
    });

    it('accepts a client authenticating by client_secret_post or Basic', async () => {
      const { access_token } = await userTokens();
      expect((await introspectCall({ token: access_token, client_id: 'rs', client_secret: RS_SECRET })).json).toMatchObject({ active: true, client_id: 'app' });
      expect((await introspectCall({ token: access_token }, { basic })).json).toMatchObject({ active: true });
    });

    it('answers only {"active": false} for unknown, malformed, forged and revoked tokens', async () => {
      const inactive = async (token: string) => {
        const result = await introspectCall({ token }, { basic: ['admin', 'admin'] });
        expect(result.status, result.text).toBe(200);
        expect(result.json).toEqual({ active: false });
      };
      await inactive(randomToken());
      await inactive('not a token at all');
      await inactive('a.b.c');
      // A JWT signed by someone else's key, with this server's kid and issuer.
      const { access_token } = await userTokens();
      const header = decodeProtectedHeader(access_token);
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT({ ...decodeJwt(access_token) }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: header.kid! }).sign(privateKey);
      await inactive(forged);
      // The genuine token with a tampered payload.
      const [h, , s] = access_token.split('.');
      const payload = Buffer.from(JSON.stringify({ ...decodeJwt(access_token), scope: 'admin' })).toString('base64url');
      await inactive(`${h}.${payload}.${s}`);
      // An ID token is not an access token.
      const idToken = (await tokenRequest(server, { grant_type: 'password', ...gina, scope: 'openid' }, { basic })).json.id_token;
      await inactive(idToken);
    });

    it('answers {"active": false} as soon as a token has expired', async () => {
      const token = randomToken();
      const now = Math.floor(Date.now() / 1000);
      await server.runtime.store.accessTokens.create({
        ...DEFAULT_SERVER, id: sha256Base64Url(token), format: 'opaque', clientId: 'app', subject: 'gina', username: 'gina', scopes: ['openid'],
        audience: ['app'], issuedAt: now - 3605, expiresAt: now - 5, confirmation: null, grantId: null, revoked: false,
      });
      expect((await introspectCall({ token }, { basic: ['admin', 'admin'] })).json).toEqual({ active: false });
      expect((await call(`${server.url}/oauth2/userinfo`, { bearer: token })).status).toBe(401);
    });

    it('refuses callers without valid credentials with 401 invalid_client', async () => {
      const { access_token } = await userTokens();
      expectOAuthError(await introspectCall({ token: access_token }), 401, 'invalid_client');
      expectOAuthError(await introspectCall({ token: access_token }, { basic: ['admin', 'wrong'] }), 401, 'invalid_client');
      expectOAuthError(await introspectCall({ token: access_token }, { basic: ['app', 'wrong-secret-0123456789abc'] }), 401, 'invalid_client');
      // A normal user's password is not admin Basic.
      expectOAuthError(await introspectCall({ token: access_token }, { basic: [gina.username, gina.password] }), 401, 'invalid_client');
    });

    it('refuses a public client: client_id alone is no authentication', async () => {
      const { access_token } = await userTokens();
      const result = await introspectCall({ token: access_token, client_id: 'public' });
      expectOAuthError(result, 401, 'invalid_client');
      expect(JSON.stringify(result.json)).not.toContain('gina');
    });

    it('shows a refresh token active to the client it was issued to and to the super admin, with or without the hint', async () => {
      const { refresh_token } = await userTokens();
      for (const [form, options] of [
        [{ token: refresh_token }, { basic }],
        [{ token: refresh_token, token_type_hint: 'refresh_token' }, { basic }],
        [{ token: refresh_token, token_type_hint: 'access_token' }, { basic }],
        [{ token: refresh_token }, { basic: ['admin', 'admin'] as [string, string] }],
      ] as const) {
        const result = await introspectCall(form, options);
        expect(result.status, result.text).toBe(200);
        expect(result.json).toMatchObject({ active: true, scope: 'openid read', client_id: 'app', username: 'gina', sub: 'gina', iss: server.running.baseUrl });
        // RFC 6749 §5.1 token types are access-token types.
        expect(result.json.token_type).toBeUndefined();
        expect(result.json.exp).toBeGreaterThan(result.json.iat);
      }
    });

    it('shows a refresh token inactive to any other client, and once rotated or revoked', async () => {
      const { refresh_token } = await userTokens();
      expect((await introspectCall({ token: refresh_token, client_id: 'rs', client_secret: RS_SECRET })).json).toEqual({ active: false });
      expect((await introspectCall({ token: refresh_token, token_type_hint: 'refresh_token' }, { basic: ['other', OTHER_SECRET] })).json).toEqual({ active: false });

      const rotated = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token }, { basic });
      expect(rotated.status, rotated.text).toBe(200);
      expect((await introspectCall({ token: refresh_token }, { basic })).json).toEqual({ active: false });
      expect((await introspectCall({ token: rotated.json.refresh_token }, { basic })).json).toMatchObject({ active: true });

      expect((await revokeCall({ token: rotated.json.refresh_token }, { basic })).status).toBe(200);
      expect((await introspectCall({ token: rotated.json.refresh_token }, { basic: ['admin', 'admin'] })).json).toEqual({ active: false });
    });

    it('shows a refresh token inactive once its user is gone (the refresh grant would refuse it)', async () => {
      const user = await createUser(server, 'leaving', 'leaving-Passw0rd-for-tests');
      const issued = await tokenRequest(server, { grant_type: 'password', username: 'leaving', password: 'leaving-Passw0rd-for-tests', scope: 'read' }, { basic });
      expect(issued.status, issued.text).toBe(200);
      expect((await introspectCall({ token: issued.json.refresh_token }, { basic })).json).toMatchObject({ active: true, username: 'leaving' });
      expect(await server.runtime.store.users.delete(DEFAULT_SERVER, user.id)).toBe(true);
      expect((await introspectCall({ token: issued.json.refresh_token }, { basic })).json).toEqual({ active: false });
    });

    it('finds an access token whatever the hint says (RFC 7662 §2.1: the search extends to every type)', async () => {
      const { access_token } = await userTokens();
      for (const hint of ['refresh_token', 'access_token', 'no_such_type']) {
        expect((await introspectCall({ token: access_token, token_type_hint: hint }, { basic })).json).toMatchObject({ active: true, token_type: 'Bearer' });
      }
    });

    it('requires the token parameter', async () => {
      expectOAuthError(await introspectCall({}, { basic: ['admin', 'admin'] }), 400, 'invalid_request');
    });
  });

  describe('revocation', () => {
    it('revokes an access token for the client it was issued to', async () => {
      const { access_token, refresh_token } = await userTokens();
      const result = await revokeCall({ token: access_token, token_type_hint: 'access_token' }, { basic });
      expect(result.status).toBe(200);
      expect(result.text).toBe('');
      expect(result.headers['cache-control']).toBe('no-store');
      await expectActive(server, access_token, false);
      // Revoking an access token leaves the refresh token alone.
      expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token }, { basic })).status).toBe(200);
    });

    it('revokes an opaque access token', async () => {
      const { access_token } = await userTokens(['app-opaque', SECRET]);
      expect((await revokeCall({ token: access_token }, { basic: ['app-opaque', SECRET] })).status).toBe(200);
      await expectActive(server, access_token, false);
    });

    it('still knows, and revokes, an opaque token stored before ids carried the issue time (id = bare SHA-256)', async () => {
      const token = randomToken();
      const now = Math.floor(Date.now() / 1000);
      await server.runtime.store.accessTokens.create({
        ...DEFAULT_SERVER, id: sha256Base64Url(token), format: 'opaque', clientId: 'app-opaque', subject: 'gina', username: 'gina', scopes: ['openid'],
        audience: ['app-opaque'], issuedAt: now, expiresAt: now + 600, confirmation: null, grantId: null, revoked: false,
      });
      await expectActive(server, token, true);
      expect((await revokeCall({ token }, { basic: ['app-opaque', SECRET] })).status).toBe(200);
      await expectActive(server, token, false);
    });

    it('revokes a refresh token with its family and the access tokens issued from it', async () => {
      const first = await userTokens();
      const rotated = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, { basic });
      expect(rotated.status).toBe(200);
      // A wrong hint does not stop the search (RFC 7009 §2.1).
      expect((await revokeCall({ token: rotated.json.refresh_token, token_type_hint: 'access_token' }, { basic })).status).toBe(200);
      await expectActive(server, first.access_token, false);
      await expectActive(server, rotated.json.access_token, false);
      expectOAuthError(await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: rotated.json.refresh_token }, { basic }), 400, 'invalid_grant');
    });

    it('answers 200 but revokes nothing for another client’s token', async () => {
      const { access_token, refresh_token } = await userTokens();
      expect((await revokeCall({ token: access_token }, { basic: ['other', OTHER_SECRET] })).status).toBe(200);
      expect((await revokeCall({ token: refresh_token }, { basic: ['other', OTHER_SECRET] })).status).toBe(200);
      await expectActive(server, access_token, true);
      expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token }, { basic })).status).toBe(200);
    });

    it('answers 200 for an unknown or already revoked token', async () => {
      expect((await revokeCall({ token: randomToken() }, { basic })).status).toBe(200);
      const { access_token } = await userTokens();
      expect((await revokeCall({ token: access_token }, { basic })).status).toBe(200);
      expect((await revokeCall({ token: access_token }, { basic })).status).toBe(200);
    });

    it('lets a public client revoke its own tokens with client_id, and only its own', async () => {
      const other = await userTokens();
      expect((await revokeCall({ token: other.refresh_token, client_id: 'public' })).status).toBe(200);
      await expectActive(server, other.access_token, true);

      const own = await tokenRequest(server, { grant_type: 'password', ...gina, client_id: 'public' });
      expect(own.status, own.text).toBe(200);
      expect((await revokeCall({ token: own.json.refresh_token, client_id: 'public' })).status).toBe(200);
      await expectActive(server, own.json.access_token, false);
    });

    it('requires client authentication and the token parameter', async () => {
      const { access_token } = await userTokens();
      expectOAuthError(await revokeCall({ token: access_token }), 401, 'invalid_client');
      expectOAuthError(await revokeCall({ token: access_token }, { basic: ['app', 'wrong-secret-0123456789abc'] }), 401, 'invalid_client');
      // The super admin is not a client: revocation is the owning client's.
      expectOAuthError(await revokeCall({ token: access_token }, { basic: ['admin', 'admin'] }), 401, 'invalid_client');
      await expectActive(server, access_token, true);
      expectOAuthError(await revokeCall({}, { basic }), 400, 'invalid_request');
    });
  });

  it('shows revoked tokens as inactive to a resource server too', async () => {
    const { access_token } = await userTokens();
    await revokeCall({ token: access_token }, { basic });
    expect(await introspect(server, access_token, ['admin', 'admin'])).toEqual({ active: false });
    expect((await introspectCall({ token: access_token, client_id: 'rs', client_secret: RS_SECRET })).json).toEqual({ active: false });
  });
});
