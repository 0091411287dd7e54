/**
 * Form bodies (RFC 6749 §3.2, the sign-in and consent pages) and authorization-request query strings
 * are untrusted text: whatever arrives, the answer is a clean RFC error (JSON at the token, PAR,
 * introspection and revocation endpoints (client assertions included, to a private_key_jwt client), an error page at /authorize), never a 500 or a hang, an
 * /authorize redirect only ever goes to the registered redirect_uri, and /health still answers after.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../core/errors/oauth-errors.ts';
import { parseForm, parseQuery } from '../../core/http/form-body.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectHealthy, expectJsonRefusal, expectNoErrorLogs, expectNoServerError, hostileText, percentEncode, rawRequest, runs, send } from './kit.ts';

const SECRET = 'fuzz-form-secret-0123456789abcdef';
const REDIRECT = 'https://client.example.com/callback';
const PARAMS = ['grant_type', 'client_id', 'client_secret', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope', 'username', 'password', 'token', 'token_type_hint', 'client_assertion', 'client_assertion_type', 'request_uri', 'response_type', 'code_challenge', 'request_id', 'csrf_token', 'decision', 'access_token'];
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** A well-formed ES256 JWS header and claims for jwt-app, with a signature nobody made. */
const SAMPLE_JWT = `${Buffer.from('{"alg":"ES256","kid":"k1"}').toString('base64url')}.${Buffer.from('{"iss":"jwt-app","sub":"jwt-app","aud":"x","exp":9999999999,"jti":"j"}').toString('base64url')}.${'A'.repeat(86)}`;
const GRANTS = ['client_credentials', 'password', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer', ''];

/** A form of known parameter names (sometimes repeated) with hostile values: it reaches the handlers. */
const structuredForm = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), hostileText(20)), fc.oneof(fc.constantFrom(...GRANTS, 'app', 'jwt-app', SECRET, REDIRECT, 'code', JWT_BEARER, SAMPLE_JWT), hostileText(200))), { maxLength: 8 })
  .map((pairs) => pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&'));

/** Form bodies as they might arrive: structured, raw text (broken escapes), raw bytes. */
const anyBody = fc.oneof(structuredForm, hostileText(2000), fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)));

describe('form bodies and query strings', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ toml: '[logging]\nlevel = "info"\n\n[[event_listener]]\nname = "tessera.jwt.PrivateKeyJWTClientAuthenticator"\n' });
    await server.createClient({ clientId: 'app', secret: SECRET });
    await server.createClient({
      clientId: 'jwt-app',
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [{ kty: 'EC', crv: 'P-256', kid: 'k1', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] },
    });
    await server.runtime.users.create(DEFAULT_SERVER, { username: 'fuzz-user', password: 'fuzz-user-Passw0rd' });
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  it('parseForm / parseQuery: a null-prototype record of strings or InvalidRequest, nothing else (pure)', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText(500), structuredForm), (text) => {
        for (const parse of [parseForm, (t: string) => parseQuery(`/x?${t}`)]) {
          try {
            const params = parse(text);
            expect(Object.getPrototypeOf(params)).toBeNull();
            for (const value of Object.values(params)) expect(typeof value).toBe('string');
          } catch (err) {
            expect(OAuthError.is(err) && (err as OAuthError).error === 'invalid_request', String(err)).toBe(true);
          }
        }
        // Nothing reached a shared prototype.
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      runs(2000, 10),
    );
    expect(() => parseForm('__proto__=x&constructor=y&polluted=1')).not.toThrow();
    expect(parseForm('__proto__=x').__proto__).toBe('x');
  });

  it.each(['/oauth2/token', '/oauth2/par', '/oauth2/introspect', '/oauth2/revoke'])('%s answers any form body with a clean RFC error', async (path) => {
    await fc.assert(
      fc.asyncProperty(anyBody, fc.boolean(), async (body, withClient) => {
        const res = await send(`${server.url}${path}`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          ...(withClient ? { basic: ['app', SECRET] as [string, string] } : {}),
        });
        if (res.status === 200 || res.status === 201) {
          // Only a well-formed request may succeed (e.g. revocation of an unknown token is 200).
          expect(withClient || (path !== '/oauth2/token' && path !== '/oauth2/par')).toBe(true);
          return;
        }
        expectJsonRefusal(res);
        expect(res.headers['cache-control']).toBe('no-store');
      }),
      runs(60, 12),
    );
  });

  it('answers any content type at the token endpoint with a clean RFC error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded;charset=latin1', 'application/x-www-form-urlencodedX'), fc.stringMatching(/^[\x21-\x7e]{0,60}$/)), anyBody, async (type, body) => {
        const res = await send(`${server.url}/oauth2/token`, { method: 'POST', body, headers: { 'content-type': type }, basic: ['app', SECRET] });
        if (res.status !== 200) expectJsonRefusal(res);
      }),
      runs(40, 8),
    );
  });

  it('/authorize answers any query string with a page or a redirect to the registered URI only', async () => {
    const base = new URL(server.url);
    const query = fc.oneof(
      // Valid-looking requests with hostile parameter values.
      fc
        .record({
          response_type: fc.oneof(fc.constant('code'), hostileText(20)),
          client_id: fc.oneof(fc.constant('app'), hostileText(30)),
          redirect_uri: fc.oneof(fc.constant(REDIRECT), fc.constant(`${REDIRECT}/`), fc.webUrl(), hostileText(80)),
          state: hostileText(100),
          scope: hostileText(60),
          code_challenge: hostileText(130),
          code_challenge_method: fc.oneof(fc.constantFrom('S256', 'plain'), hostileText(10)),
          prompt: hostileText(20),
          nonce: hostileText(60),
          request_uri: hostileText(40),
        }, { requiredKeys: [] })
        .map((params) => new URLSearchParams(params as Record<string, string>).toString()),
      // Raw text: broken escapes, repeated names, bytes a browser would never send.
      hostileText(600),
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        // Raw bytes on the wire: only CR and LF are kept out, so the request line stays one line.
        const target = `/oauth2/authorize?${q.replace(/[\r\n]/g, '')}`;
        const res = await rawRequest(server.url, Buffer.concat([Buffer.from(`GET `), Buffer.from(target, 'utf8'), Buffer.from(` HTTP/1.1\r\nHost: ${base.host}\r\n`)]));
        expect(res.status, res.text.slice(0, 300)).toBeGreaterThan(0);
        expectNoServerError(res);
        if (res.status === 302) {
          const location = /\r\nlocation: *([^\r\n]+)/i.exec(res.text)?.[1] ?? '';
          // An error or a code goes back only to the exact registered URI.
          expect(location.startsWith(`${REDIRECT}?`), location).toBe(true);
        }
      }),
      runs(80, 12),
    );
  });

  it('the sign-in and consent forms answer any body with a page, never a 500', async () => {
    const flowCookie = fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{0,64}$/), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('login', 'consent'), anyBody, flowCookie, async (step, body, cookie) => {
        const res = await send(`${server.url}/oauth2/authorize/${step}`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie !== undefined ? { cookie: `tessera_authz_default_default=${cookie}` } : {}) },
        });
        expectNoServerError(res);
        expect(res.status).not.toBe(302);
      }),
      runs(50, 10),
    );
  });

  it('still answers /health, and logged no unexpected error', async () => {
    await expectHealthy(server.url);
    expectNoErrorLogs(server.logs);
  });
});
