/**
 * Error paths of the authorization code flow: which errors are shown as a page (untrusted client or
 * redirect_uri: never an open redirector) and which go back to the client; CSRF on the login and
 * consent forms; PKCE (plain refused, required for public clients, verifier checked); codes bound to
 * their client, expiring, and revoking what they issued when reused — also under concurrency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../core/crypto/random-token.ts';
import { sha256Base64Url } from '../../core/crypto/sha256.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import {
  CookieJar,
  REDIRECT_URI,
  authorizeAndApprove,
  authorizeUrl,
  createUser,
  expectActive,
  expectOAuthError,
  expectPage,
  flowPage,
  location,
  pkcePair,
  postForm,
  startAuthorization,
  submitLogin,
  tokenRequest,
  type AuthorizeParams,
} from './oauth-helpers.ts';

const SECRET = 'web-secret-0123456789abcdefgh';
const OTHER_SECRET = 'other-secret-0123456789abcdef';
const carol = { username: 'carol', password: 'carol-Passw0rd-for-tests' };

describe('authorization endpoint and code errors', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.createClient({ clientId: 'web', secret: SECRET });
    await server.createClient({ clientId: 'other', secret: OTHER_SECRET });
    await server.createClient({ clientId: 'spa', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code', 'refresh_token'] });
    await server.createClient({ clientId: 'machine', secret: SECRET, grantTypes: ['client_credentials'], responseTypes: [] });
    await createUser(server, carol.username, carol.password);
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  const s256 = () => {
    const pair = pkcePair();
    return { pair, params: { code_challenge: pair.challenge, code_challenge_method: 'S256' } };
  };

  async function expectErrorPage(params: AuthorizeParams | string, description: string) {
    const result = await call(typeof params === 'string' ? params : authorizeUrl(server, params));
    expectPage(result, 400);
    expect(result.text).toContain('This request cannot be completed');
    expect(result.text).toContain(description);
  }

  async function expectRedirectError(params: AuthorizeParams, error: string) {
    const redirect = location(await call(authorizeUrl(server, params)));
    expect(`${redirect.origin}${redirect.pathname}`).toBe(params.redirect_uri ?? REDIRECT_URI);
    expect(redirect.searchParams.get('error')).toBe(error);
    expect(redirect.searchParams.get('error_description')).toBeTruthy();
    expect(redirect.searchParams.get('iss')).toBe(server.running.baseUrl);
    expect(redirect.searchParams.has('code')).toBe(false);
    return redirect;
  }

  describe('shown as a page, never redirected', () => {
    it('unknown client', async () => {
      await expectErrorPage({ client_id: 'nobody', redirect_uri: REDIRECT_URI, state: 's' }, 'unknown client_id');
    });

    it('missing client_id', async () => {
      await expectErrorPage(`${server.url}/oauth2/authorize?response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, 'client_id is required');
    });

    it.each([
      ['an unregistered host', 'https://evil.example.com/callback'],
      ['a prefix of the registered URI', 'https://client.example.com/call'],
      ['the registered URI with a longer path', 'https://client.example.com/callback/more'],
      ['the registered URI with a query', 'https://client.example.com/callback?x=1'],
      ['the registered URI with different case', 'https://CLIENT.example.com/callback'],
    ])('redirect_uri that is %s', async (_what, uri) => {
      await expectErrorPage({ client_id: 'web', redirect_uri: uri, state: 's' }, 'redirect_uri is not registered for this client');
    });

    it('a repeated parameter', async () => {
      await expectErrorPage(`${authorizeUrl(server, { client_id: 'web', redirect_uri: REDIRECT_URI })}&client_id=web`, 'must not be repeated');
    });
  });

  describe('redirected to a valid redirect_uri with error and state', () => {
    it('unsupported response_type', async () => {
      const redirect = await expectRedirectError({ client_id: 'web', redirect_uri: REDIRECT_URI, response_type: 'token', state: 'rt-state', ...s256().params }, 'unsupported_response_type');
      expect(redirect.searchParams.get('state')).toBe('rt-state');
    });

    it('plain PKCE is refused by default', async () => {
      const { verifier } = pkcePair();
      const redirect = await expectRedirectError({ client_id: 'web', redirect_uri: REDIRECT_URI, state: 'p', code_challenge: verifier, code_challenge_method: 'plain' }, 'invalid_request');
      expect(redirect.searchParams.get('error_description')).toContain('S256');
      expect(redirect.searchParams.get('state')).toBe('p');
      // A challenge without a method means plain (RFC 7636 §4.3): refused too.
      await expectRedirectError({ client_id: 'web', redirect_uri: REDIRECT_URI, code_challenge: verifier }, 'invalid_request');
    });

    it('a public client without PKCE', async () => {
      const redirect = await expectRedirectError({ client_id: 'spa', redirect_uri: REDIRECT_URI, state: 'pub' }, 'invalid_request');
      expect(redirect.searchParams.get('error_description')).toMatch(/PKCE/);
    });

    it('a malformed code_challenge', async () => {
      await expectRedirectError({ client_id: 'web', redirect_uri: REDIRECT_URI, code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request');
    });

    it('a client that may not use the code flow', async () => {
      await server.runtime.store.clients.update({ ...(await server.runtime.store.clients.get(DEFAULT_SERVER, 'machine'))!, redirectUris: [REDIRECT_URI] });
      await expectRedirectError({ client_id: 'machine', redirect_uri: REDIRECT_URI, ...s256().params }, 'unauthorized_client');
    });

    it('a request object, which is not supported', async () => {
      const redirect = location(await call(`${authorizeUrl(server, { client_id: 'web', redirect_uri: REDIRECT_URI, state: 'ro', ...s256().params })}&request=a.b.c`));
      expect(redirect.searchParams.get('error')).toBe('request_not_supported');
      expect(redirect.searchParams.get('state')).toBe('ro');
    });

    it('prompt=none for a signed-in user who has not consented', async () => {
      const jar = new CookieJar();
      const page = await startAuthorization(server, jar, { client_id: 'other', redirect_uri: REDIRECT_URI, ...s256().params });
      expect((await submitLogin(server, jar, page, carol.username, carol.password)).status).toBe(200);
      const redirect = location(await call(authorizeUrl(server, { client_id: 'web', redirect_uri: REDIRECT_URI, scope: 'profile', prompt: 'none', state: 'pn', ...s256().params }), { headers: jar.header() }));
      expect(redirect.searchParams.get('error')).toBe('consent_required');
      expect(redirect.searchParams.get('state')).toBe('pn');
    });

    it('a malformed scope', async () => {
      await expectRedirectError({ client_id: 'web', redirect_uri: REDIRECT_URI, scope: 'a"b', ...s256().params }, 'invalid_scope');
    });
  });

  describe('CSRF protection of the login and consent forms', () => {
    async function loginPage() {
      const jar = new CookieJar();
      const page = await startAuthorization(server, jar, { client_id: 'web', redirect_uri: REDIRECT_URI, ...s256().params });
      return { jar, page };
    }

    it('refuses a login POST without the flow cookie', async () => {
      const { page } = await loginPage();
      const result = await postForm(server, new CookieJar(), page.action, { request_id: page.requestId, csrf_token: page.csrf, ...carol });
      expectPage(result, 400);
      expect(result.text).toContain('not started by this browser');
      expect(result.headers['set-cookie']).toBeUndefined();
    });

    it('refuses a login POST with a wrong or missing csrf_token', async () => {
      const { jar, page } = await loginPage();
      expectPage(await postForm(server, jar, page.action, { request_id: page.requestId, csrf_token: `${page.csrf}x`, ...carol }), 400);
      expectPage(await postForm(server, jar, page.action, { request_id: page.requestId, ...carol }), 400);
      // No session was opened by the refused posts; the genuine form still works.
      expect(jar.has('tessera_session_default_default')).toBe(false);
      const consent = await submitLogin(server, jar, page, carol.username, carol.password);
      expectPage(consent);
      expect(consent.text).toContain('Allow access');
    });

    it('refuses a login POST whose cookie belongs to another flow', async () => {
      const victim = await loginPage();
      const attacker = await loginPage();
      const result = await postForm(server, attacker.jar, victim.page.action, { request_id: victim.page.requestId, csrf_token: victim.page.csrf, ...carol });
      expectPage(result, 400);
    });

    it('refuses a consent POST with a wrong csrf_token or without the cookie', async () => {
      const { jar, page } = await loginPage();
      const consent = flowPage(await submitLogin(server, jar, page, carol.username, carol.password));
      expectPage(await postForm(server, jar, consent.action, { request_id: consent.requestId, csrf_token: 'forged', decision: 'approve' }), 400);
      expectPage(await postForm(server, new CookieJar(), consent.action, { request_id: consent.requestId, csrf_token: consent.csrf, decision: 'approve' }), 400);
    });

    it('refuses a consent POST before sign-in', async () => {
      const { jar, page } = await loginPage();
      const result = await postForm(server, jar, '/oauth2/authorize/consent', { request_id: page.requestId, csrf_token: page.csrf, decision: 'approve' });
      expectPage(result, 400);
      expect(result.text).toContain('sign in first');
    });

    it('does not accept credentials in the URL', async () => {
      const { page } = await loginPage();
      const result = await call(`${server.url}${page.action}?request_id=${page.requestId}&csrf_token=${page.csrf}&username=carol&password=${carol.password}`);
      expect(result.status).toBe(404);
    });
  });

  describe('code redemption', () => {
    async function codeFor(clientId: string, pkce = s256()) {
      const { code } = await authorizeAndApprove(server, { client_id: clientId, redirect_uri: REDIRECT_URI, scope: 'openid', ...pkce.params }, carol);
      return { code, verifier: pkce.pair.verifier };
    }

    it('refuses a code_verifier that does not match', async () => {
      const { code } = await codeFor('web');
      const result = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkcePair().verifier }, { basic: ['web', SECRET] });
      expectOAuthError(result, 400, 'invalid_grant');
      expect(result.json.error_description).toContain('code_verifier');
    });

    it('refuses a missing code_verifier when the request had a challenge', async () => {
      const { code } = await codeFor('spa');
      expectOAuthError(await tokenRequest(server, { grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT_URI }), 400, 'invalid_grant');
    });

    it('refuses a code_verifier when the request had no challenge (downgrade)', async () => {
      const { code } = await authorizeAndApprove(server, { client_id: 'web', redirect_uri: REDIRECT_URI }, carol);
      expectOAuthError(await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkcePair().verifier }, { basic: ['web', SECRET] }), 400, 'invalid_grant');
    });

    it('refuses a code presented by another client', async () => {
      const { code, verifier } = await codeFor('web');
      const result = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, { basic: ['other', OTHER_SECRET] });
      expectOAuthError(result, 400, 'invalid_grant');
      expect(result.json.error_description).not.toContain('web');
    });

    it('refuses an unknown, a missing and an oversized code', async () => {
      const basic: [string, string] = ['web', SECRET];
      expectOAuthError(await tokenRequest(server, { grant_type: 'authorization_code', code: randomToken(), redirect_uri: REDIRECT_URI }, { basic }), 400, 'invalid_grant');
      expectOAuthError(await tokenRequest(server, { grant_type: 'authorization_code', redirect_uri: REDIRECT_URI }, { basic }), 400, 'invalid_request');
      expectOAuthError(await tokenRequest(server, { grant_type: 'authorization_code', code: 'x'.repeat(600), redirect_uri: REDIRECT_URI }, { basic }), 400, 'invalid_grant');
    });

    it('refuses an expired code', async () => {
      const code = randomToken();
      const now = Math.floor(Date.now() / 1000);
      await server.runtime.store.codes.create({
        ...DEFAULT_SERVER, id: sha256Base64Url(code), clientId: 'web', redirectUri: REDIRECT_URI, subject: 'carol', username: 'carol', scopes: ['openid'],
        nonce: null, codeChallenge: null, codeChallengeMethod: null, authTime: now - 120, issuedAt: now - 120, expiresAt: now - 60, redeemedAt: null,
      });
      expectOAuthError(await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, { basic: ['web', SECRET] }), 400, 'invalid_grant');
    });

    it('revokes the access and refresh tokens issued with a code when the code is reused', async () => {
      const { code, verifier } = await codeFor('web');
      const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier };
      const first = await tokenRequest(server, form, { basic: ['web', SECRET] });
      expect(first.status, first.text).toBe(200);
      await expectActive(server, first.json.access_token, true);

      const reuse = await tokenRequest(server, form, { basic: ['web', SECRET] });
      expectOAuthError(reuse, 400, 'invalid_grant');
      await expectActive(server, first.json.access_token, false);
      expectOAuthError(await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, { basic: ['web', SECRET] }), 400, 'invalid_grant');
    });

    it('lets exactly one of 10 concurrent redemptions of a code succeed, and revokes what it got', async () => {
      // A few rounds: the interleavings differ from one to the next.
      for (let round = 0; round < 3; round++) {
        const { code, verifier } = await codeFor('web');
        const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier };
        const results = await Promise.all(Array.from({ length: 10 }, () => tokenRequest(server, form, { basic: ['web', SECRET] })));
        const ok = results.filter((r) => r.status === 200);
        expect(ok).toHaveLength(1);
        for (const r of results.filter((x) => x.status !== 200)) expectOAuthError(r, 400, 'invalid_grant');
        // The nine others were reuse: the winner's tokens are revoked whatever the interleaving.
        await expectActive(server, ok[0].json.access_token, false);
        expectOAuthError(await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: ok[0].json.refresh_token }, { basic: ['web', SECRET] }), 400, 'invalid_grant');
      }
    });
  });
});
