/**
 * redirect_uri is matched as an exact string (RFC 9700 §4.1.3): no prefix, no normalisation, no
 * case or trailing-slash tricks, no userinfo or look-alike host, no open redirect. Anything but a
 * registered URI is an error page with no Location — never a redirect — and a code is redeemed
 * only with the URI it was issued for. (authorize-errors.test.ts has the first five cases.)
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { authorizeAndApprove, pkcePair } from '../oauth/oauth-helpers.ts';
import { closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, runs, send } from './kit.ts';

const SECRET = 'redirect-secret-0123456789abcdefgh';
const CALLBACK = 'https://client.example.com/callback';
const WITH_QUERY = 'https://client.example.com/cb?tenant=a';
const LOOPBACK = 'http://127.0.0.1:8080/cb';
const REGISTERED = [CALLBACK, WITH_QUERY, LOOPBACK];

const TRICKS = [
  `${CALLBACK}/`,
  'https://client.example.com/Callback',
  'HTTPS://client.example.com/callback',
  'https://client.example.com:443/callback',
  'https://client.example.com/./callback',
  'https://client.example.com/x/../callback',
  'https://client.example.com/callback#frag',
  `${CALLBACK}?`,
  `${CALLBACK}%20`,
  `${CALLBACK} `,
  ` ${CALLBACK}`,
  'https://client.example.com/%63allback',
  'https://client.example.com%2F@evil.example/callback',
  'https://client.example.com@evil.example/callback',
  'https://evil.example/https://client.example.com/callback',
  'https://client.example.com.evil.example/callback',
  'https://evil.example/?https://client.example.com/callback',
  'http://client.example.com/callback',
  '//client.example.com/callback',
  'https:client.example.com/callback',
  'https://client.example.com\\@evil.example/callback',
  'javascript://client.example.com/callback%0aalert(1)',
  'https://client.example.com/cb?tenant=a&x=1',
  'https://client.example.com/cb?tenant=b',
  'https://client.example.com/cb',
  'https://client.example.com/cb?TENANT=a',
  'http://localhost:8080/cb',
  'http://127.0.0.1:8081/cb',
  'http://127.0.0.1/cb',
  'http://[::1]:8080/cb',
];

describe('redirect_uri exact match', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ toml: '[logging]\nlevel = "info"\n' });
    await server.createClient({ clientId: 'web', secret: SECRET, redirectUris: REGISTERED });
    await server.runtime.users.create(DEFAULT_SERVER, { username: 'rita', password: 'rita-Passw0rd-redirect' });
  });
  afterAll(async () => {
    await closeAgents();
    await closeClients();
    await server.dispose();
  });

  const authorize = (redirectUri: string) => {
    const query = new URLSearchParams({ response_type: 'code', client_id: 'web', redirect_uri: redirectUri, state: 'st', ...(() => { const { challenge } = pkcePair(); return { code_challenge: challenge, code_challenge_method: 'S256' }; })() });
    return send(`${server.url}/oauth2/authorize?${query}`);
  };

  /** An error page: 400 HTML, no Location, nothing sent to the URI. */
  async function expectRefusedPage(redirectUri: string) {
    const res = await authorize(redirectUri);
    expect(res.status, `${JSON.stringify(redirectUri)} → ${res.status} ${res.headers.location ?? ''}`).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(String(res.headers['content-type'])).toMatch(/^text\/html/);
  }

  it('each registered URI is accepted as it is (the control)', async () => {
    for (const uri of REGISTERED) expect((await authorize(uri)).status, uri).toBe(200);
  });

  it.each(TRICKS)('refuses %j', async (uri) => {
    await expectRefusedPage(uri);
  });

  it('refuses every string that differs from the registered ones, however slightly', async () => {
    const mutated = fc.oneof(
      fc.tuple(fc.constantFrom(...REGISTERED), fc.nat(), fc.constantFrom(...'/.:@?#%&=-_ABCabc0\\'), fc.constantFrom('insert', 'replace', 'delete')).map(([uri, n, c, op]) => {
        const i = n % (uri.length + 1);
        if (op === 'insert') return uri.slice(0, i) + c + uri.slice(i);
        if (op === 'replace') return uri.slice(0, i) + c + uri.slice(i + 1);
        return uri.slice(0, i) + uri.slice(i + 1);
      }),
      fc.tuple(fc.constantFrom(...REGISTERED), fc.webSegment()).map(([uri, extra]) => `${uri}${extra}`),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
    );
    await fc.assert(
      fc.asyncProperty(mutated, async (uri) => {
        if (REGISTERED.includes(uri)) return;
        await expectRefusedPage(uri);
      }),
      runs(80, 10),
    );
  });

  it('sends the code to the registered URI with its own query kept, and redeems it only with that URI', async () => {
    const flow = async () => {
      const { verifier, challenge } = pkcePair();
      const params = { client_id: 'web', redirect_uri: WITH_QUERY, code_challenge: challenge, code_challenge_method: 'S256', state: 'tenant=b' };
      const { redirect, code } = await authorizeAndApprove(server, params, { username: 'rita', password: 'rita-Passw0rd-redirect' });
      return { redirect, code, verifier };
    };
    const redeem = (code: string, verifier: string, redirectUri: string) =>
      send(`${server.url}/oauth2/token`, { form: { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, basic: ['web', SECRET] });

    const first = await flow();
    expect(`${first.redirect.origin}${first.redirect.pathname}`).toBe('https://client.example.com/cb');
    expect(first.redirect.searchParams.getAll('tenant')).toEqual(['a']);
    expect(first.redirect.searchParams.get('state')).toBe('tenant=b');
    expect((await redeem(first.code, first.verifier, WITH_QUERY)).status).toBe(200);

    for (const other of [CALLBACK, `${WITH_QUERY}&x=1`, 'https://client.example.com/cb']) {
      const { code, verifier } = await flow();
      const res = await redeem(code, verifier, other);
      expect(res.status, other).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_grant', error_description: 'redirect_uri does not match the authorization request' });
    }
  });
});
