/**
 * The authorization code flow over real HTTPS, driven as a browser would with plain calls: GET
 * /oauth2/authorize, the login page, the consent page, the redirect back with code/state/iss, then
 * the token endpoint (PKCE S256) for a confidential and for a public client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  introspect,
  location,
  pkcePair,
  startAuthorization,
  submitConsent,
  submitLogin,
  tokenRequest,
} from './oauth-helpers.ts';

const SECRET = 'web-secret-0123456789abcdefgh';
const alice = { username: 'alice', password: 'alice-Passw0rd-for-tests' };

describe('authorization code flow', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.createClient({ clientId: 'web', secret: SECRET, clientName: 'Web <App>', tokenEndpointAuthMethod: 'client_secret_basic' });
    await server.createClient({ clientId: 'spa', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code', 'refresh_token'] });
    await server.createClient({
      clientId: 'multi',
      secret: SECRET,
      redirectUris: ['https://multi.example.com/a', 'https://multi.example.com/b'],
    });
    await createUser(server, alice.username, alice.password, { email: 'alice@example.com' });
    await createUser(server, 'bob', 'bob-Passw0rd-for-tests');
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('signs in, asks consent, redirects with code, state and iss, and the code buys tokens', async () => {
    const { verifier, challenge } = pkcePair();
    const jar = new CookieJar();
    const login = await startAuthorization(server, jar, {
      client_id: 'web', redirect_uri: REDIRECT_URI, scope: 'openid profile', state: 'st-1', nonce: 'n-1', code_challenge: challenge, code_challenge_method: 'S256',
    });
    // The login page names the client (escaped), posts to the login endpoint, carries no credentials in its URL.
    expect(login.result.text).toContain('Web &#60;App&#62;');
    expect(login.action).toBe('/oauth2/authorize/login');
    expect(login.result.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    // The flow cookie names the browser (one per browser and server), the form the request.
    expect(jar.get('tessera_authz_default_default')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(jar.get('tessera_authz_default_default')).not.toBe(login.requestId);
    const setCookie = String(login.result.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Secure/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);

    const consentResult = await submitLogin(server, jar, login, alice.username, alice.password);
    expectPage(consentResult);
    expect(consentResult.text).toContain('Allow access');
    expect(consentResult.text).toContain('<code>openid</code>');
    expect(consentResult.text).toContain('<code>profile</code>');
    const consent = flowPage(consentResult);
    expect(consent.action).toBe('/oauth2/authorize/consent');
    expect(consent.requestId).toBe(login.requestId);

    const consented = await submitConsent(server, jar, consent);
    expect(consented.headers['cache-control']).toBe('no-store');
    const redirect = location(consented);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('state')).toBe('st-1');
    expect(redirect.searchParams.get('iss')).toBe(server.running.baseUrl);
    const code = redirect.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(redirect.search).not.toContain(alice.password);
    // The request is spent once its code is issued: the same consent again issues none.
    expectPage(await submitConsent(server, jar, consent), 400);

    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, { basic: ['web', SECRET] });
    expect(tokens.status, tokens.text).toBe(200);
    expect(tokens.headers['cache-control']).toBe('no-store');
    expect(tokens.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid profile' });
    expect(typeof tokens.json.refresh_token).toBe('string');
    expect(typeof tokens.json.id_token).toBe('string');
    expect(await introspect(server, tokens.json.access_token)).toMatchObject({ active: true, client_id: 'web', username: 'alice', sub: 'alice', scope: 'openid profile' });
  });

  it('skips the pages for a signed-in user who already consented, and asks again with prompt=consent', async () => {
    const { verifier, challenge } = pkcePair();
    const first = await authorizeAndApprove(server, { client_id: 'web', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }, alice);
    expect(first.jar.has('tessera_session_default_default')).toBe(true);

    // Same browser (session cookie), same scopes: straight back to the client.
    const second = pkcePair();
    const again = await call(authorizeUrl(server, { client_id: 'web', redirect_uri: REDIRECT_URI, scope: 'openid', state: 's2', code_challenge: second.challenge, code_challenge_method: 'S256' }), { headers: first.jar.header() });
    const redirect = location(again);
    expect(redirect.searchParams.get('state')).toBe('s2');
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: second.verifier }, { basic: ['web', SECRET] });
    expect(tokens.status, tokens.text).toBe(200);

    // prompt=consent shows the consent page even so.
    const withPrompt = await call(authorizeUrl(server, { client_id: 'web', redirect_uri: REDIRECT_URI, scope: 'openid', prompt: 'consent', code_challenge: second.challenge, code_challenge_method: 'S256' }), { headers: first.jar.header() });
    expectPage(withPrompt);
    expect(withPrompt.text).toContain('Allow access');

    // The first code still works once (it was never redeemed).
    const firstTokens = await tokenRequest(server, { grant_type: 'authorization_code', code: first.code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, { basic: ['web', SECRET] });
    expect(firstTokens.status, firstTokens.text).toBe(200);
  });

  it('lets a public client redeem with client_id and code_verifier only', async () => {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeAndApprove(server, { client_id: 'spa', redirect_uri: REDIRECT_URI, scope: 'openid', state: 'x', code_challenge: challenge, code_challenge_method: 'S256' }, alice);
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(tokens.status, tokens.text).toBe(200);
    expect(typeof tokens.json.refresh_token).toBe('string');
    expect(await introspect(server, tokens.json.access_token)).toMatchObject({ active: true, client_id: 'spa', username: 'alice' });
  });

  it('accepts a token request without redirect_uri when the authorization request had none', async () => {
    const { verifier, challenge } = pkcePair();
    const { redirect, code } = await authorizeAndApprove(server, { client_id: 'web', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }, alice);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', code, code_verifier: verifier }, { basic: ['web', SECRET] });
    expect(tokens.status, tokens.text).toBe(200);
  });

  it('refuses a token request whose redirect_uri differs from the authorization request', async () => {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeAndApprove(server, { client_id: 'multi', redirect_uri: 'https://multi.example.com/a', code_challenge: challenge, code_challenge_method: 'S256' }, alice);
    const wrong = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: 'https://multi.example.com/b', code_verifier: verifier }, { basic: ['multi', SECRET] });
    expectOAuthError(wrong, 400, 'invalid_grant');
  });

  it('requires a redirect_uri at /authorize when the client registered several', async () => {
    const result = await call(authorizeUrl(server, { client_id: 'multi', state: 's' }));
    expectPage(result, 400);
    expect(result.text).toContain('redirect_uri is required');
  });

  it('shows the login page again on a wrong password, without a redirect', async () => {
    const { challenge } = pkcePair();
    const jar = new CookieJar();
    const login = await startAuthorization(server, jar, { client_id: 'web', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' });
    const wrong = await submitLogin(server, jar, login, 'bob', 'not-bobs-password');
    expectPage(wrong, 401);
    expect(wrong.text).toContain('Wrong username or password.');
    expect(wrong.text).not.toContain('not-bobs-password');
    // The same request continues with the right password.
    const retry = flowPage(wrong);
    expect(retry.requestId).toBe(login.requestId);
    const consent = await submitLogin(server, jar, retry, 'bob', 'bob-Passw0rd-for-tests');
    expectPage(consent);
    expect(consent.text).toContain('Allow access');
  });

  it('redirects access_denied with state when the user denies consent', async () => {
    const { challenge } = pkcePair();
    const jar = new CookieJar();
    const login = await startAuthorization(server, jar, { client_id: 'web', redirect_uri: REDIRECT_URI, state: 'deny-state', scope: 'email', code_challenge: challenge, code_challenge_method: 'S256' });
    const consent = flowPage(await submitLogin(server, jar, login, 'bob', 'bob-Passw0rd-for-tests'));
    const redirect = location(await submitConsent(server, jar, consent, 'deny'));
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe('deny-state');
    expect(redirect.searchParams.get('iss')).toBe(server.running.baseUrl);
    expect(redirect.searchParams.has('code')).toBe(false);
    // The request is gone: approving it afterwards is refused.
    expectPage(await submitConsent(server, jar, consent, 'approve'), 400);
  });

  it('answers prompt=none without a session with login_required at the client', async () => {
    const { challenge } = pkcePair();
    const result = await call(authorizeUrl(server, { client_id: 'web', redirect_uri: REDIRECT_URI, state: 'pn', prompt: 'none', code_challenge: challenge, code_challenge_method: 'S256' }));
    const redirect = location(result);
    expect(redirect.searchParams.get('error')).toBe('login_required');
    expect(redirect.searchParams.get('state')).toBe('pn');
  });

  it('does not let one code be redeemed twice', async () => {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeAndApprove(server, { client_id: 'web', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' }, alice);
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier };
    const first = await tokenRequest(server, form, { basic: ['web', SECRET] });
    expect(first.status).toBe(200);
    expectOAuthError(await tokenRequest(server, form, { basic: ['web', SECRET] }), 400, 'invalid_grant');
    await expectActive(server, first.json.access_token, false);
  });
});
