/**
 * CSRF on the sign-in and consent forms, beyond authorize-errors.test.ts (missing cookie, wrong or
 * missing token, another flow's cookie, consent before sign-in): the flow and session cookies are
 * HttpOnly, Secure and SameSite; each flow has its own token, so one flow's token does not unlock
 * another flow of the same browser; a finished flow cannot be replayed; a cross-site post carrying
 * the victim's cookie but not the page's token is refused; the forms are POST only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { CookieJar, REDIRECT_URI, expectPage, flowPage, pkcePair, postForm, startAuthorization, submitConsent, submitLogin } from '../oauth/oauth-helpers.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const USER = { username: 'cleo', password: 'cleo-Passw0rd-csrf' };

describe('CSRF on the sign-in and consent forms', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ toml: '[logging]\nlevel = "info"\n' });
    await server.createClient({ clientId: 'web', secret: 'csrf-secret-0123456789abcdefghijk' });
    await server.runtime.users.create(DEFAULT_SERVER, USER);
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  const params = () => {
    const { challenge } = pkcePair();
    return { client_id: 'web', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' };
  };

  it('sets the flow and session cookies HttpOnly, Secure, SameSite=Lax', async () => {
    const jar = new CookieJar();
    const query = new URLSearchParams({ response_type: 'code', ...params() });
    const first = await call(`${server.url}/oauth2/authorize?${query}`);
    const login = flowPage(first);
    jar.store(first);
    const signedIn = await submitLogin(server, jar, login, USER.username, USER.password);
    const cookies = [first.headers['set-cookie'], signedIn.headers['set-cookie']].flat().filter((c): c is string => typeof c === 'string');
    expect(cookies.some((c) => c.startsWith('tessera_authz_'))).toBe(true);
    expect(cookies.some((c) => c.startsWith('tessera_session_'))).toBe(true);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    }
  });

  it('gives each flow its own token: one flow\'s token does not unlock another flow of the same browser', async () => {
    const jar = new CookieJar();
    const older = await startAuthorization(server, jar, params());
    const newer = await startAuthorization(server, jar, params());
    expect(newer.csrf).not.toBe(older.csrf);
    expect(newer.requestId).not.toBe(older.requestId);
    // Mixing the two is refused either way round.
    expectPage(await postForm(server, jar, newer.action, { request_id: newer.requestId, csrf_token: older.csrf, ...USER }), 400);
    expectPage(await postForm(server, jar, older.action, { request_id: older.requestId, csrf_token: newer.csrf, ...USER }), 400);
    // Two tabs of one browser: starting the newer flow did not end the older one.
    for (const flow of [older, newer]) expect([200, 302]).toContain((await submitLogin(server, jar, flow, USER.username, USER.password)).status);
  });

  it('refuses to replay a finished flow\'s forms', async () => {
    const jar = new CookieJar();
    const login = await startAuthorization(server, jar, params());
    const consentPage = await submitLogin(server, jar, login, USER.username, USER.password);
    expectPage(consentPage);
    const consent = flowPage(consentPage);
    const done = await submitConsent(server, jar, consent);
    expect(done.status).toBe(302);
    // The same posts again, with the cookies the browser had then.
    const replayJar = new CookieJar();
    replayJar.store({ status: 200, headers: { 'set-cookie': [`tessera_authz_default_default=${jar.get('tessera_authz_default_default')}`] }, text: '', json: undefined });
    expectPage(await postForm(server, replayJar, consent.action, { request_id: consent.requestId, csrf_token: consent.csrf, decision: 'approve' }), 400);
    expectPage(await postForm(server, replayJar, login.action, { request_id: login.requestId, csrf_token: login.csrf, ...USER }), 400);
  });

  it('issues one code per request, however often its last form is posted at once', async () => {
    const jar = new CookieJar();
    const login = await startAuthorization(server, jar, { ...params(), prompt: 'consent' });
    const consent = flowPage(await submitLogin(server, jar, login, USER.username, USER.password));
    // Hold every post at the consent write until all have read the pending request: the race, made certain.
    const POSTS = 4;
    const consents = server.runtime.store.consents;
    const put = consents.put;
    let arrived = 0;
    let release!: () => void;
    const allIn = new Promise<void>((resolve) => (release = resolve));
    const safety = setTimeout(() => release(), 5_000);
    consents.put = async (...args) => {
      if (++arrived === POSTS) release();
      await allIn;
      return put.apply(consents, args);
    };
    let posts;
    try {
      posts = await Promise.all(Array.from({ length: POSTS }, () => postForm(server, jar, consent.action, { request_id: consent.requestId, csrf_token: consent.csrf, decision: 'approve' })));
    } finally {
      consents.put = put;
      clearTimeout(safety);
    }
    expect(arrived).toBe(POSTS);
    const codes = posts.filter((p) => p.status === 302 && new URL(String(p.headers.location)).searchParams.has('code'));
    expect(codes).toHaveLength(1);
    for (const other of posts.filter((p) => !codes.includes(p))) expectPage(other, 400);
  });

  it('refuses a cross-site post that rides on the victim\'s cookie without the page\'s token', async () => {
    const jar = new CookieJar();
    // prompt=consent: the user consented before, so the page would otherwise be skipped.
    const login = await startAuthorization(server, jar, { ...params(), prompt: 'consent' });
    const consent = flowPage(await submitLogin(server, jar, login, USER.username, USER.password));
    // The attacker's page posts to the consent form; the browser adds the cookies, not the token.
    const forged = await postForm(server, jar, consent.action, { request_id: consent.requestId, decision: 'approve' });
    expectPage(forged, 400);
    const withOrigin = await call(`${server.url}${consent.action}`, {
      form: { request_id: consent.requestId, csrf_token: '', decision: 'approve' },
      headers: { ...jar.header(), origin: 'https://evil.example', referer: 'https://evil.example/page' },
    });
    expect(withOrigin.status).toBe(400);
    expect(withOrigin.headers.location).toBeUndefined();
    // The genuine form still works afterwards.
    expect((await submitConsent(server, jar, consent)).status).toBe(302);
  });

  it('the forms are POST only', async () => {
    for (const step of ['login', 'consent']) {
      const res = await call(`${server.url}/oauth2/authorize/${step}?decision=approve`);
      expect(res.status).toBe(404);
    }
  });
});
