/**
 * `[limits] login_max_attempts` / `login_lockout_seconds`: after too many failed logins the account
 * refuses even the right password — at the password grant and on the sign-in page alike, whatever
 * the case of the user name — and the lock expires by itself: once login_lockout_seconds have passed
 * the real user gets in again, and the success clears the count. Failures are counted per client
 * address (X-Forwarded-For from the trusted proxy here): a guesser at one address cannot lock the real
 * user, or the super admin, out from another; only guessing from many addresses locks the account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { ACCOUNT_LIMIT_FACTOR } from '../../core/users/user-service.ts';
import { CookieJar, REDIRECT_URI, pkcePair, startAuthorization, submitLogin } from '../oauth/oauth-helpers.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClock } from '../../core/time/clock.ts';
import { closeAgents, send } from './kit.ts';

const MAX_ATTEMPTS = 3;
const LOCKOUT_SECONDS = 2;
const SECRET = 'lockout-secret-0123456789abcdefgh';
const ADMIN_PASSWORD = 'lockout-admin-Passw0rd-0123';

describe('login lockout that expires', () => {
  let server: TestServer;
  const clock = new TestClock();
  beforeAll(async () => {
    server = await startTestServer({ toml: `[limits]\nlogin_max_attempts = ${MAX_ATTEMPTS}\nlogin_lockout_seconds = ${LOCKOUT_SECONDS}\n\n[logging]\nlevel = "info"\n`, clock });
    await server.createClient({ clientId: 'app', secret: SECRET });
    for (const username of ['grant-user', 'page-user', 'Case-User']) {
      await server.runtime.users.create(DEFAULT_SERVER, { username, password: `${username}-Passw0rd!` });
    }
  });
  afterAll(async () => {
    await closeAgents();
    await closeClients();
    await server.dispose();
  });

  const passwordGrant = (username: string, password: string) =>
    send(`${server.url}/oauth2/token`, { form: { grant_type: 'password', username, password }, basic: ['app', SECRET] });

  /** Moves the server's clock past the lockout window (whole seconds, from the first failure); the right password works. */
  async function expectLetInAfterLockout(attempt: () => Promise<boolean>): Promise<void> {
    clock.advance((LOCKOUT_SECONDS + 1) * 1000);
    expect(await attempt(), 'the lock did not expire').toBe(true);
  }

  it('password grant: locked after the failures, open again after login_lockout_seconds', async () => {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const res = await passwordGrant('grant-user', `wrong-${i}`);
      expect(res.json.error_description).toBe('invalid username or password');
    }
    const locked = await passwordGrant('grant-user', 'grant-user-Passw0rd!');
    expect(locked.status).toBe(400);
    expect(locked.json).toMatchObject({ error: 'invalid_grant', error_description: 'too many failed attempts; try again later' });

    // The window runs from the first failure, in whole seconds: no tighter bound than "later" holds.
    await expectLetInAfterLockout(async () => (await passwordGrant('grant-user', 'grant-user-Passw0rd!')).status === 200);
    // The success cleared the count: a new failure is an ordinary one, not a lock.
    expect((await passwordGrant('grant-user', 'wrong-again')).json.error_description).toBe('invalid username or password');
    expect((await passwordGrant('grant-user', 'grant-user-Passw0rd!')).status).toBe(200);
  });

  it('sign-in page: the same lock, the same expiry', async () => {
    const { challenge } = pkcePair();
    const params = { client_id: 'app', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' };
    const jar = new CookieJar();
    const login = await startAuthorization(server, jar, params);
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const res = await submitLogin(server, jar, login, 'page-user', `wrong-${i}`);
      expect(res.status).toBe(401);
      expect(res.text).toContain('Wrong username or password.');
    }
    const locked = await submitLogin(server, jar, login, 'page-user', 'page-user-Passw0rd!');
    expect(locked.status).toBe(401);
    expect(locked.text).toContain('Too many failed attempts');

    await expectLetInAfterLockout(async () => {
      const res = await submitLogin(server, jar, login, 'page-user', 'page-user-Passw0rd!');
      if (res.status === 401) return false;
      // Signed in: the consent page (or the redirect when consent exists).
      expect([200, 302]).toContain(res.status);
      if (res.status === 200) expect(res.text).toContain('Allow access');
      return true;
    });
  });

  it('counts failures per user name whatever its case', async () => {
    for (let i = 0; i < MAX_ATTEMPTS; i++) await passwordGrant(i % 2 ? 'case-user' : 'CASE-USER', `wrong-${i}`);
    expect((await passwordGrant('Case-User', 'Case-User-Passw0rd!')).json.error_description).toBe('too many failed attempts; try again later');
    await expectLetInAfterLockout(async () => (await passwordGrant('Case-User', 'Case-User-Passw0rd!')).status === 200);
  });
});

describe('login lockout per client address', () => {
  // A lockout long enough that no window runs out while a test is still counting.
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      mount: adminRoutes,
      toml: `[super_admin]\npassword = "${ADMIN_PASSWORD}"\n\n[limits]\nlogin_max_attempts = ${MAX_ATTEMPTS}\nlogin_lockout_seconds = 600\n`,
    });
    await server.createClient({ clientId: 'app', secret: SECRET });
    for (const username of ['shared-user', 'spread-user', 'v3']) {
      await server.runtime.users.create(DEFAULT_SERVER, { username, password: `${username}-Passw0rd!` });
    }
  });
  afterAll(async () => {
    await closeAgents();
    await closeClients();
    await server.dispose();
  });

  /** From 127.0.0.1, a trusted proxy by default, for the client at `from`. */
  const passwordGrant = (username: string, password: string, from: string) =>
    send(`${server.url}/oauth2/token`, { form: { grant_type: 'password', username, password }, basic: ['app', SECRET], headers: { 'x-forwarded-for': from } });

  it('locks out only the address that guessed: the real user at another address still gets in', async () => {
    for (let i = 0; i <= MAX_ATTEMPTS; i++) await passwordGrant('shared-user', `wrong-${i}`, '203.0.113.66');
    expect((await passwordGrant('shared-user', 'shared-user-Passw0rd!', '203.0.113.66')).json.error_description).toBe('too many failed attempts; try again later');
    expect((await passwordGrant('shared-user', 'shared-user-Passw0rd!', '198.51.100.20')).status).toBe(200);
  });

  it('locks the account for every address once guesses from many addresses add up', async () => {
    const addresses = Array.from({ length: ACCOUNT_LIMIT_FACTOR }, (_, i) => `203.0.113.${100 + i}`);
    for (const address of addresses) {
      for (let i = 0; i < MAX_ATTEMPTS; i++) expect((await passwordGrant('spread-user', `wrong-${i}`, address)).json.error_description).toBe('invalid username or password');
    }
    expect((await passwordGrant('spread-user', 'spread-user-Passw0rd!', '198.51.100.21')).json.error_description).toBe('too many failed attempts; try again later');
  });

  // Security review #15 item 2: the counter keys joined user and address with '@', so failures as
  // user "v3@203.0.113.7" from anywhere counted as user "v3" at 203.0.113.7.
  it('a user name containing "@address" cannot lock that user out at that address', async () => {
    for (let i = 0; i <= MAX_ATTEMPTS; i++) await passwordGrant('v3@203.0.113.7', `wrong-${i}`, '198.51.100.9');
    const real = await passwordGrant('v3', 'v3-Passw0rd!', '203.0.113.7');
    expect(real.status, real.text).toBe(200);
  });

  it('a guesser at the admin API cannot lock the super admin out from another address', async () => {
    const admin = (password: string, from: string) => send(`${server.url}/api/admin/default/clients`, { basic: ['admin', password], headers: { 'x-forwarded-for': from } });
    for (let i = 0; i <= MAX_ATTEMPTS; i++) expect((await admin(`wrong-${i}`, '203.0.113.77')).status).toBe(401);
    expect((await admin(ADMIN_PASSWORD, '203.0.113.77')).status).toBe(401);
    expect((await admin(ADMIN_PASSWORD, '198.51.100.22')).status).toBe(200);
  });

  it('nor the super admin at that address through the sign-in form', async () => {
    const { challenge } = pkcePair();
    const jar = new CookieJar();
    const login = await startAuthorization(server, jar, { client_id: 'app', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' });
    const signIn = (username: string, password: string, from: string) =>
      call(`${server.url}${login.action}`, {
        form: { request_id: login.requestId, csrf_token: login.csrf, username, password },
        headers: { ...jar.header(), 'x-forwarded-for': from },
      });
    for (let i = 0; i <= MAX_ATTEMPTS; i++) expect((await signIn('admin@203.0.113.8', `wrong-${i}`, '198.51.100.10')).status).toBe(401);
    const real = await signIn('admin', ADMIN_PASSWORD, '203.0.113.8');
    expect(real.status, real.text).not.toBe(401);
    expect(real.text).not.toContain('Too many failed attempts');
  });
});
