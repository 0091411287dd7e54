/**
 * `Authorization: Basic` (RFC 6749 §2.3.1, RFC 7617) is read by the token, introspection and
 * revocation endpoints and by the admin API. Whatever it holds — bad base64, no colon, invalid UTF-8,
 * broken percent-escapes, huge values, other schemes, bytes undici would not send — the answer is a
 * clean 400/401, never a 500, and never anyone let in.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { OAuthError } from '../../core/errors/oauth-errors.ts';
import { parseBasicAuthorization } from '../../core/oauth/client-auth/presented-credentials.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectHealthy, expectJsonRefusal, expectNoErrorLogs, expectNoServerError, hostileText, rawRequest, runs, send } from './kit.ts';

const SECRET = 'fuzz-basic-secret-0123456789abcdef';

/** Header values around Basic: plausible ones first, then anything. */
const basicHeader = fc.oneof(
  // Base64 of "user:password" pairs with hostile parts (invalid UTF-8 bytes included).
  fc.tuple(fc.oneof(fc.constantFrom('app', 'admin', ''), hostileText(40)), fc.oneof(fc.constant(SECRET.slice(0, 10)), hostileText(80)), fc.uint8Array({ maxLength: 8 }))
    .map(([user, password, junk]) => `Basic ${Buffer.concat([Buffer.from(`${user}:${password}`, 'utf8'), Buffer.from(junk)]).toString('base64')}`),
  // Base64 of arbitrary bytes (often no colon, often not UTF-8).
  fc.uint8Array({ maxLength: 300 }).map((b) => `Basic ${Buffer.from(b).toString('base64')}`),
  // Broken base64, odd spacing and case, other schemes.
  fc.tuple(fc.constantFrom('Basic ', 'basic ', 'BASIC  ', 'Basic', 'Basic\t', 'Bearer ', 'Digest ', 'Negotiate ', ''), fc.stringMatching(/^[A-Za-z0-9+/=_\-.~!%: ]{0,200}$/))
    .map(([scheme, rest]) => `${scheme}${rest}`),
  // Longer than the parser takes.
  fc.integer({ min: 4000, max: 12000 }).map((n) => `Basic ${'QUFB'.repeat(Math.ceil(n / 4))}`),
);

describe('Basic credentials', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ toml: '[logging]\nlevel = "info"\n', mount: adminRoutes });
    await server.createClient({ clientId: 'app', secret: SECRET });
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  it('parseBasicAuthorization: credentials, null, or InvalidClient — nothing else (pure)', () => {
    fc.assert(
      fc.property(fc.oneof(basicHeader, hostileText(300)), (header) => {
        try {
          const parsed = parseBasicAuthorization(header);
          if (parsed) {
            expect(typeof parsed.username).toBe('string');
            expect(typeof parsed.password).toBe('string');
          }
        } catch (err) {
          expect(OAuthError.is(err) && (err as OAuthError).error === 'invalid_client', String(err)).toBe(true);
        }
      }),
      runs(3000, 10),
    );
  });

  it.each([
    ['/oauth2/token', { grant_type: 'client_credentials' }],
    ['/oauth2/introspect', { token: 'x' }],
    ['/oauth2/revoke', { token: 'x' }],
  ])('%s refuses any Basic header cleanly', async (path, form) => {
    await fc.assert(
      fc.asyncProperty(basicHeader, async (authorization) => {
        const res = await send(`${server.url}${path}`, { form: form as Record<string, string>, headers: { authorization } });
        expectJsonRefusal(res, [400, 401]);
        if (res.status === 401) expect(String(res.headers['www-authenticate'])).toMatch(/^Basic realm=/);
      }),
      runs(60, 10),
    );
  });

  it('the admin API refuses any Basic header cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(basicHeader, async (authorization) => {
        const res = await send(`${server.url}/api/admin/default/clients`, { headers: { authorization } });
        expectJsonRefusal(res, [400, 401]);
      }),
      runs(40, 8),
    );
  });

  it('bytes no client library would send in the header are refused too', async () => {
    const host = new URL(server.url).host;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.constantFrom('/oauth2/token', '/api/admin/default/clients'), async (bytes, path) => {
        // CR and LF would end the header: everything else, controls and bytes >= 0x80 included, is sent.
        const value = Buffer.from(bytes.filter((b) => b !== 0x0d && b !== 0x0a));
        const head = Buffer.concat([
          Buffer.from(`POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: Basic `, 'latin1'),
          value,
          Buffer.from('\r\n', 'latin1'),
        ]);
        const res = await rawRequest(server.url, head, 'grant_type=client_credentials');
        expect(res.status, res.text.slice(0, 200)).toBeGreaterThan(0);
        expectNoServerError(res);
        expect(res.status).not.toBe(200);
      }),
      runs(60, 10),
    );
  });

  it('the right credentials still work, and /health answers; nothing unexpected was logged', async () => {
    expect((await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] })).status).toBe(200);
    await expectHealthy(server.url);
    expectNoErrorLogs(server.logs);
  });
});
