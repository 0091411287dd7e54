/**
 * private_key_jwt and client_secret_jwt end to end: a real server over HTTPS, clients registered
 * through the admin API, assertions signed with keys made in the test, sent as a client library sends
 * them. Every claim rule of RFC 7523 §3 has a refusal here, and the single-use jti too.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../../core/admin/admin-routes.ts';
import { expectOAuthError } from '../../../test/oauth/oauth-helpers.ts';
import { call, closeClients } from '../../../test/support/https-client.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { ENABLE, JWT_BEARER, assertion, discovery, keyPair, register, tokenWithAssertion, type AssertionClaims, type Discovery, type KeyPair } from './jwt-kit.ts';

let server: TestServer;
let meta: Discovery;
let es: KeyPair;
let rotated: KeyPair;
let jwksServer: Server;
let jwksUrl: string;
let served: { keys: unknown[] } = { keys: [] };

beforeAll(async () => {
  server = await startTestServer({ toml: ENABLE, mount: adminRoutes });
  meta = await discovery(server);
  es = await keyPair('ES256');
  rotated = await keyPair('PS256');
  // The client's jwks_uri: plain http is accepted for loopback addresses only (the core's fetch rule).
  jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served)));
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  await register(server, { client_id: 'pkjwt', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: { keys: [es.publicJwk] } });
  await register(server, {
    client_id: 'pkjwt-ps256-only',
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'PS256',
    grant_types: ['client_credentials'],
    jwks: { keys: [es.publicJwk, rotated.publicJwk] },
  });
  await register(server, { client_id: 'pkjwt-uri', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks_uri: jwksUrl });
});

afterAll(async () => {
  await closeClients();
  await new Promise((resolve) => jwksServer.close(resolve));
  await server.dispose();
});

const ok = (res: { status: number; text: string; json: { access_token?: unknown } }) => {
  expect(res.status, res.text).toBe(200);
  expect(typeof res.json.access_token).toBe('string');
};

describe('private_key_jwt (RFC 7523 §2.2, jwks)', () => {
  it('issues a token for an assertion with aud = the issuer, or = the token endpoint', async () => {
    ok(await tokenWithAssertion(meta.token_endpoint, 'pkjwt', await assertion('pkjwt', meta.issuer, es)));
    ok(await tokenWithAssertion(meta.token_endpoint, 'pkjwt', await assertion('pkjwt', meta.token_endpoint, es)));
    ok(await tokenWithAssertion(meta.token_endpoint, 'pkjwt', await assertion('pkjwt', [meta.issuer, meta.token_endpoint], es)));
  });

  it('finds the client from the assertion when client_id is left out (RFC 7523 §3)', async () => {
    ok(await tokenWithAssertion(meta.token_endpoint, null, await assertion('pkjwt', meta.issuer, es)));
  });

  it('refuses a replayed assertion: the jti is single-use', async () => {
    const jwt = await assertion('pkjwt', meta.issuer, es);
    ok(await tokenWithAssertion(meta.token_endpoint, 'pkjwt', jwt));
    const again = await tokenWithAssertion(meta.token_endpoint, 'pkjwt', jwt);
    expectOAuthError(again, 401, 'invalid_client');
    expect(again.json.error_description).toMatch(/already used/);
    expect(server.logs.some((l) => l.includes('client_assertion jti replayed'))).toBe(true);
  });

  it.each([
    ['iss differs from client_id', { iss: 'someone-else' }, /iss/],
    ['sub differs from client_id', { sub: 'someone-else' }, /sub/],
    ['aud names another server', { aud: 'https://other.example.com' }, /aud/],
    ['aud array with a foreign member', { aud: ['https://other.example.com', 'ISSUER'] }, /aud/],
    ['exp in the past', { exp: Math.floor(Date.now() / 1000) - 120 }, /expired/],
    ['exp too far ahead', { exp: Math.floor(Date.now() / 1000) + 3600 }, /exp/],
    ['iat in the future', { iat: Math.floor(Date.now() / 1000) + 120, exp: Math.floor(Date.now() / 1000) + 150 }, /iat/],
    ['no jti', { jti: null }, /jti/],
  ] as [string, AssertionClaims, RegExp][])('refuses an assertion whose %s', async (_label, claims, message) => {
    const fixed = { ...claims, ...(Array.isArray(claims.aud) ? { aud: claims.aud.map((a) => (a === 'ISSUER' ? meta.issuer : a)) } : {}) };
    const res = await tokenWithAssertion(meta.token_endpoint, 'pkjwt', await assertion('pkjwt', meta.issuer, es, fixed));
    expectOAuthError(res, 401, 'invalid_client');
    expect(res.json.error_description).toMatch(message);
  });

  it('refuses a signature by a key the client did not register', async () => {
    const stranger = await keyPair('ES256', es.publicJwk.kid as ReturnType<typeof randomUUID>);
    expectOAuthError(await tokenWithAssertion(meta.token_endpoint, 'pkjwt', await assertion('pkjwt', meta.issuer, stranger)), 401, 'invalid_client');
  });

  it('never accepts alg none, nor an HMAC keyed with the registered public key', async () => {
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'pkjwt', sub: 'pkjwt', aud: meta.issuer, exp: Math.floor(Date.now() / 1000) + 60, jti: 'n1' })).toString('base64url')}.`;
    expectOAuthError(await tokenWithAssertion(meta.token_endpoint, 'pkjwt', unsigned), 401, 'invalid_client');
    // The key-confusion attack: HS256 with the public JWK's bytes as the secret.
    const confused = await assertion('pkjwt', meta.issuer, new TextEncoder().encode(JSON.stringify(es.publicJwk)));
    const res = await tokenWithAssertion(meta.token_endpoint, 'pkjwt', confused);
    expectOAuthError(res, 401, 'invalid_client');
    expect(res.json.error_description).toMatch(/HS256 is not accepted/);
  });

  it('finds the key when the assertion names no kid and several registered keys could verify it', async () => {
    const [first, second] = [await keyPair('ES256'), await keyPair('ES256')];
    for (const k of [first, second]) delete k.publicJwk.kid;
    await register(server, { client_id: 'pkjwt-no-kid', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: { keys: [first.publicJwk, second.publicJwk] } });
    ok(await tokenWithAssertion(meta.token_endpoint, 'pkjwt-no-kid', await assertion('pkjwt-no-kid', meta.issuer, second)));
    const stranger = await keyPair('ES256');
    delete stranger.publicJwk.kid;
    const refused = await tokenWithAssertion(meta.token_endpoint, 'pkjwt-no-kid', await assertion('pkjwt-no-kid', meta.issuer, stranger));
    expectOAuthError(refused, 401, 'invalid_client');
    expect(refused.json.error_description).toMatch(/signature is invalid/);
  });

  it('accepts only the registered token_endpoint_auth_signing_alg', async () => {
    expectOAuthError(await tokenWithAssertion(meta.token_endpoint, 'pkjwt-ps256-only', await assertion('pkjwt-ps256-only', meta.issuer, es)), 401, 'invalid_client');
    ok(await tokenWithAssertion(meta.token_endpoint, 'pkjwt-ps256-only', await assertion('pkjwt-ps256-only', meta.issuer, rotated)));
  });

  it('needs the jwt-bearer client_assertion_type, and an assertion rather than a secret', async () => {
    const jwt = await assertion('pkjwt', meta.issuer, es);
    const wrongType = await call(meta.token_endpoint, { form: { grant_type: 'client_credentials', client_id: 'pkjwt', client_assertion_type: 'urn:example:saml', client_assertion: jwt } });
    expectOAuthError(wrongType, 401, 'invalid_client');
    expect(wrongType.json.error_description).toContain(JWT_BEARER);
    expectOAuthError(await call(meta.token_endpoint, { form: { grant_type: 'client_credentials' }, basic: ['pkjwt', 'a-guessed-secret-of-some-length'] }), 401, 'invalid_client');
    expectOAuthError(await call(meta.token_endpoint, { form: { grant_type: 'client_credentials', client_id: 'pkjwt' } }), 401, 'invalid_client');
  });

  it('authenticates at introspection with aud = the introspection endpoint', async () => {
    const issued = await tokenWithAssertion(meta.token_endpoint, 'pkjwt', await assertion('pkjwt', meta.issuer, es));
    const res = await call(meta.introspection_endpoint, {
      form: { token: issued.json.access_token, client_id: 'pkjwt', client_assertion_type: JWT_BEARER, client_assertion: await assertion('pkjwt', meta.introspection_endpoint, es) },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ active: true, client_id: 'pkjwt' });
  });
});

describe('private_key_jwt with jwks_uri (the core fetch service)', () => {
  it('verifies with the key behind jwks_uri, and refuses once the document no longer has it', async () => {
    served = { keys: [es.publicJwk] };
    ok(await tokenWithAssertion(meta.token_endpoint, 'pkjwt-uri', await assertion('pkjwt-uri', meta.issuer, es)));
    const unknown = await keyPair('ES256');
    expectOAuthError(await tokenWithAssertion(meta.token_endpoint, 'pkjwt-uri', await assertion('pkjwt-uri', meta.issuer, unknown)), 401, 'invalid_client');
  });
});

describe('client_secret_jwt (HS256 with the client secret)', () => {
  let secret: Uint8Array;
  beforeAll(async () => {
    const created = await register(server, { client_id: 'csjwt', token_endpoint_auth_method: 'client_secret_jwt', grant_types: ['client_credentials'] });
    expect(typeof created.client_secret).toBe('string');
    secret = new TextEncoder().encode(created.client_secret as string);
  });

  it('issues a token for an HS256 assertion keyed by the secret, once per jti', async () => {
    const jwt = await assertion('csjwt', meta.issuer, secret);
    ok(await tokenWithAssertion(meta.token_endpoint, 'csjwt', jwt));
    expectOAuthError(await tokenWithAssertion(meta.token_endpoint, 'csjwt', jwt), 401, 'invalid_client');
  });

  it('refuses another secret, an asymmetric alg, and the secret sent as client_secret', async () => {
    expectOAuthError(await tokenWithAssertion(meta.token_endpoint, 'csjwt', await assertion('csjwt', meta.issuer, new TextEncoder().encode('x'.repeat(43)))), 401, 'invalid_client');
    expectOAuthError(await tokenWithAssertion(meta.token_endpoint, 'csjwt', await assertion('csjwt', meta.issuer, es)), 401, 'invalid_client');
    expectOAuthError(await call(meta.token_endpoint, { form: { grant_type: 'client_credentials' }, basic: ['csjwt', new TextDecoder().decode(secret)] }), 401, 'invalid_client');
  });
});

describe('registration and discovery', () => {
  it('refuses private_key_jwt without keys, HS* for private_key_jwt, and a short client_secret_jwt secret', async () => {
    const { adminCall } = await import('../../../test/admin/admin-support.ts');
    const bad = [
      { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'] },
      { token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'HS256', jwks: { keys: [es.publicJwk] }, grant_types: ['client_credentials'] },
      { token_endpoint_auth_method: 'client_secret_jwt', client_secret: 'short-but-24-characters!', grant_types: ['client_credentials'] },
      { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=x', token_endpoint_auth_signing_alg: 'ES256' },
    ];
    for (const metadata of bad) {
      const res = await adminCall(server, '/api/admin/default/clients', { json: metadata });
      expect(res.status, JSON.stringify(metadata)).toBe(400);
      expect(res.json.error).toBe('invalid_client_metadata');
    }
  });

  it('lists both methods and the signing algorithms it accepts', async () => {
    expect(meta.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['private_key_jwt', 'client_secret_jwt']));
    expect(meta.token_endpoint_auth_signing_alg_values_supported).toEqual(['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256']);
    expect(meta.introspection_endpoint_auth_signing_alg_values_supported).toEqual(meta.token_endpoint_auth_signing_alg_values_supported);
  });

  it('leaves clients that do not register for it alone: a secret client still authenticates with its secret', async () => {
    const created = await register(server, { client_id: 'plain-secret', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' });
    ok(await call(meta.token_endpoint, { form: { grant_type: 'client_credentials' }, basic: ['plain-secret', created.client_secret as string] }));
    // ... and an assertion cannot stand in for its secret.
    const key = await keyPair('ES256');
    const forged = await new SignJWT({ iss: 'plain-secret', sub: 'plain-secret', aud: meta.issuer, jti: 'x1' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('1m').sign(key.privateKey);
    expectOAuthError(await tokenWithAssertion(meta.token_endpoint, 'plain-secret', forged), 401, 'invalid_client');
  });
});
