/**
 * Access tokens presented to userinfo (RFC 6750, header or form) and to introspection (RFC 7662):
 * random strings, and real JWT and opaque tokens mutated every way an attacker might (flipped
 * characters, swapped or missing segments, `alg: none`, HMAC keyed with the public key, foreign or
 * hostile `kid`, `crit`, embedded `jwk`, extra segments). Never a 500; never accepted unless it is,
 * byte for byte once decoded, the token that was issued.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectHealthy, expectJsonRefusal, expectNoErrorLogs, hostileText, runs, send } from './kit.ts';

const SECRET = 'fuzz-bearer-secret-0123456789abcdef';
const RS_SECRET = 'fuzz-bearer-rs-secret-0123456789abc';
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Same token once decoded: identical header and payload text, identical signature bytes. */
function sameToken(presented: string, issued: string): boolean {
  if (presented === issued) return true;
  const a = presented.split('.');
  const b = issued.split('.');
  if (a.length !== 3 || b.length !== 3) return false;
  // The signature covers the encoded header and payload, so those must match as text.
  return a[0] === b[0] && a[1] === b[1] && Buffer.from(a[2], 'base64url').equals(Buffer.from(b[2], 'base64url')) && /^[A-Za-z0-9_-]+$/.test(a[2]);
}

describe('bearer tokens at userinfo and introspection', () => {
  let server: TestServer;
  let jwt: string;
  let opaque: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer({ toml: '[logging]\nlevel = "info"\n' });
    await server.createClient({ clientId: 'app', secret: SECRET, accessTokenFormat: 'jwt' });
    await server.createClient({ clientId: 'app-opaque', secret: SECRET, accessTokenFormat: 'opaque' });
    await server.createClient({ clientId: 'rs', secret: RS_SECRET, grantTypes: ['client_credentials'] });
    await server.runtime.users.create(DEFAULT_SERVER, { username: 'bea', password: 'bea-Passw0rd-for-fuzz' });
    const issue = async (clientId: string) =>
      (await send(`${server.url}/oauth2/token`, { form: { grant_type: 'password', username: 'bea', password: 'bea-Passw0rd-for-fuzz', scope: 'openid' }, basic: [clientId, SECRET] })).json;
    const first = await issue('app');
    jwt = first.access_token;
    tokens.id = first.id_token;
    opaque = (await issue('app-opaque')).access_token;
    expect(jwt.split('.')).toHaveLength(3);
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  const userinfo = (token: string, how: 'header' | 'form') =>
    how === 'header'
      ? send(`${server.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } })
      : send(`${server.url}/oauth2/userinfo`, { method: 'POST', form: { access_token: token } });
  const introspect = (token: string) => send(`${server.url}/oauth2/introspect`, { form: { token }, basic: ['rs', RS_SECRET] });

  it('the issued tokens work (the control)', async () => {
    for (const token of [jwt, opaque]) {
      expect((await userinfo(token, 'header')).status).toBe(200);
      expect((await introspect(token)).json.active).toBe(true);
    }
  });

  /** Mutations of a JWT an attacker can make without the key. */
  const mutatedJwt = () => {
    const [h, p, s] = jwt.split('.');
    const header = decodeProtectedHeader(jwt) as Record<string, unknown>;
    const payload = decodeJwt(jwt) as Record<string, unknown>;
    const headerJson = fc.oneof(
      fc.constantFrom<Record<string, unknown>>(
        { ...header, alg: 'none' },
        { ...header, alg: 'HS256' },
        { ...header, alg: 'RS256' },
        { ...header, alg: 'ES512' },
        { ...header, typ: 'JWT' },
        { ...header, typ: undefined },
        { ...header, kid: '../../etc/passwd' },
        { ...header, kid: 'x'.repeat(5000) },
        { ...header, kid: 42 },
        { ...header, crit: ['exp'] },
        { ...header, b64: false, crit: ['b64'] },
        { ...header, jku: 'https://evil.example.com/jwks' },
        { ...header, x5u: 'https://evil.example.com/cert' },
        {},
      ),
      fc.dictionary(fc.constantFrom('alg', 'typ', 'kid', 'crit', 'jwk', 'zip', 'enc'), fc.jsonValue({ maxDepth: 2 })),
    );
    const payloadJson = fc.oneof(
      fc.constantFrom<Record<string, unknown>>(
        { ...payload, scope: 'openid admin' },
        { ...payload, exp: Number.MAX_SAFE_INTEGER },
        { ...payload, exp: '9999999999' },
        { ...payload, iss: 'https://evil.example.com' },
        { ...payload, jti: 'x' },
        { ...payload, sub: 'admin', username: 'admin' },
      ),
      fc.jsonValue({ maxDepth: 3 }),
    );
    return fc.oneof(
      // One character replaced anywhere.
      fc.tuple(fc.nat({ max: jwt.length - 1 }), fc.constantFrom(...'ABCabc012-_.=+/ ')).map(([i, c]) => jwt.slice(0, i) + c + jwt.slice(i + 1)),
      // Truncated, extended, segments dropped, swapped or repeated.
      fc.nat({ max: jwt.length - 1 }).map((n) => jwt.slice(0, n)),
      fc.constantFrom(`${h}.${p}.`, `${h}.${p}`, `${h}..${s}`, `.${p}.${s}`, `${p}.${h}.${s}`, `${h}.${p}.${s}.${s}`, `${h}.${p}.${s}.`, `${jwt}=`, `${jwt}==`, jwt.toUpperCase(), `${h}.${p}.${tokens.id.split('.')[2]}`, tokens.id),
      // Crafted header or payload with the original (now wrong) signature, or none.
      fc.tuple(headerJson, fc.constantFrom(s, '', 'AAAA')).map(([hdr, sig]) => `${b64(hdr)}.${p}.${sig}`),
      fc.tuple(payloadJson, fc.constantFrom(s, '')).map(([body, sig]) => `${h}.${b64(body)}.${sig}`),
      // Segments that are not base64url JSON.
      fc.tuple(hostileText(40), hostileText(40)).map(([x, y]) => `${b64(x)}.${b64(y)}.${s}`),
    );
  };

  it('never accepts a mutated JWT at userinfo or introspection', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedJwt(), fc.constantFrom<'header' | 'form'>('header', 'form'), async (token, how) => {
        const [info, intro] = await Promise.all([userinfo(token, how), introspect(token)]);
        // An empty token is a missing parameter: a clean 400.
        if (token === '') expectJsonRefusal(intro, [400]);
        else expect(intro.status, intro.text).toBe(200);
        // The issued token, differently spelt (header whitespace, base64url padding bits): the holder's.
        if (sameToken(token, jwt) || (how === 'header' && sameToken(token.trim(), jwt))) return;
        if (token !== '') expect(intro.json).toEqual({ active: false });
        expectJsonRefusal(info, [400, 401]);
        if (info.status === 401) expect(String(info.headers['www-authenticate'])).toMatch(/^Bearer /);
      }),
      runs(80, 10),
    );
  });

  it('refuses tokens signed with alg none, or HMAC keyed with the server\'s public key', async () => {
    const header = decodeProtectedHeader(jwt);
    const [, p] = jwt.split('.');
    const jwks = (await send(`${server.url}/oauth2/jwks`)).json;
    const publicJwk = jwks.keys.find((k: { kid: string }) => k.kid === header.kid);
    const forged: string[] = [`${b64({ ...header, alg: 'none' })}.${p}.`];
    for (const secret of [JSON.stringify(publicJwk), publicJwk.x ?? publicJwk.n, Buffer.from(JSON.stringify(publicJwk)).toString('base64')]) {
      const h = b64({ ...header, alg: 'HS256' });
      forged.push(`${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`);
    }
    // A key of the attacker's own, embedded in the header (RFC 7515 §4.1.3), and a key it names by kid.
    const attacker = await generateKeyPair('ES256');
    const embedded = await new SignJWT(decodeJwt(jwt)).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', jwk: await exportJWK(attacker.publicKey) }).sign(attacker.privateKey);
    const sameKid = await new SignJWT(decodeJwt(jwt)).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: header.kid! }).sign(attacker.privateKey);
    forged.push(embedded, sameKid);
    for (const token of forged) {
      expect((await introspect(token)).json, token).toEqual({ active: false });
      expectJsonRefusal(await userinfo(token, 'header'), [401]);
    }
  });

  it('never accepts a mutated opaque token, nor random strings', async () => {
    const candidates = fc.oneof(
      fc.tuple(fc.nat({ max: opaque.length - 1 }), fc.constantFrom(...'Aa0-_')).map(([i, c]) => opaque.slice(0, i) + c + opaque.slice(i + 1)),
      fc.nat({ max: opaque.length - 1 }).map((n) => opaque.slice(0, n)),
      fc.constantFrom(`${opaque} `, ` ${opaque}`, `${opaque}=`, opaque.toUpperCase(), `${opaque}${opaque}`),
      hostileText(600),
      fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,3000}=*$/),
    );
    await fc.assert(
      fc.asyncProperty(candidates, fc.constantFrom<'header' | 'form'>('header', 'form'), async (token, how) => {
        // HTTP drops whitespace around a header value (RFC 9110 §5.5): that is the token itself.
        if (token === opaque || (how === 'header' && token.trim() === opaque)) return;
        const intro = await introspect(token);
        // An empty token is a missing parameter: a clean 400.
        if (token === '') expectJsonRefusal(intro, [400]);
        else if (token !== opaque) expect(intro.json, intro.text).toEqual({ active: false });
        const sendable = how === 'form' || /^[\t\x20-\x7e\x80-\xff]*$/.test(token);
        if (!sendable) return; // undici refuses such header values before they leave
        const info = await userinfo(token, how);
        expectJsonRefusal(info, [400, 401]);
      }),
      runs(120, 12),
    );
  });

  it('still answers /health; nothing unexpected was logged; the real tokens still work', async () => {
    await expectHealthy(server.url);
    expect((await userinfo(jwt, 'header')).status).toBe(200);
    expect((await introspect(opaque)).json.active).toBe(true);
    expectNoErrorLogs(server.logs);
  });
});
