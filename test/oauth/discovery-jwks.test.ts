/**
 * Discovery documents built from what is enabled, the published JWKS, JWT access tokens and ID
 * tokens verified with `jose` against it (at_hash, c_hash, nonce, auth_time, azp), key rotation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { REDIRECT_URI, authorizeAndApprove, authorizeUrl, createUser, expectActive, expectOAuthError, halfHash, location, pkcePair, tokenRequest } from './oauth-helpers.ts';

const SECRET = 'web-secret-0123456789abcdefgh';
const ivy = { username: 'ivy', password: 'ivy-Passw0rd-for-tests' };

async function jwks(server: TestServer): Promise<JSONWebKeySet> {
  const result = await call(`${server.url}/oauth2/jwks`);
  expect(result.status).toBe(200);
  return result.json as JSONWebKeySet;
}

describe('discovery and signing keys (defaults, core components only)', () => {
  let server: TestServer;
  let issuer: string;
  // No bundles: discovery lists exactly what the core enables, whatever the dropins hold.
  const noDropins = mkdtempSync(join(tmpdir(), 'tessera-no-dropins-'));
  beforeAll(async () => {
    server = await startTestServer({ dropinsDir: noDropins });
    issuer = server.running.baseUrl;
    await server.createClient({ clientId: 'web', secret: SECRET });
    await createUser(server, ivy.username, ivy.password);
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
    rmSync(noDropins, { recursive: true, force: true });
  });

  it('publishes OpenID Connect discovery for what is enabled', async () => {
    const result = await call(`${server.url}/.well-known/openid-configuration`);
    expect(result.status).toBe(200);
    const doc = result.json;
    const base = `${issuer}/oauth2`;
    expect(doc).toMatchObject({
      issuer,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      introspection_endpoint: `${base}/introspect`,
      revocation_endpoint: `${base}/revoke`,
      userinfo_endpoint: `${base}/userinfo`,
      jwks_uri: `${base}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
    expect([...doc.grant_types_supported].sort()).toEqual(['authorization_code', 'client_credentials', 'password', 'refresh_token']);
    expect([...doc.token_endpoint_auth_methods_supported].sort()).toEqual(['client_secret_basic', 'client_secret_post', 'none']);
    expect(doc.introspection_endpoint_auth_methods_supported).not.toContain('none');
    expect(doc.scopes_supported).toContain('openid');
  });

  it('publishes the same issuer and endpoints at /.well-known/oauth-authorization-server', async () => {
    const oidc = (await call(`${server.url}/.well-known/openid-configuration`)).json;
    const oauth = await call(`${server.url}/.well-known/oauth-authorization-server`);
    expect(oauth.status).toBe(200);
    expect(oauth.json).toEqual(oidc);
  });

  it('publishes ES256 and RS256 public keys, never private members', async () => {
    const result = await call(`${server.url}/oauth2/jwks`);
    expect(String(result.headers['cache-control'])).toContain('max-age');
    const set = result.json as JSONWebKeySet;
    expect(set.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of set.keys) {
      expect(key).toMatchObject({ use: 'sig' });
      expect(typeof key.kid).toBe('string');
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(member);
    }
  });

  it('signs JWT access tokens (RFC 9068) and ID tokens that verify against the JWKS', async () => {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeAndApprove(server, { client_id: 'web', redirect_uri: REDIRECT_URI, scope: 'openid profile', nonce: 'nonce-123', code_challenge: challenge, code_challenge_method: 'S256' }, ivy);
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, { basic: ['web', SECRET] });
    expect(tokens.status, tokens.text).toBe(200);
    const keySet = createLocalJWKSet(await jwks(server));

    const access = await jwtVerify(tokens.json.access_token, keySet, { issuer, typ: 'at+jwt', algorithms: ['ES256'] });
    expect(access.protectedHeader.typ).toBe('at+jwt');
    expect(access.payload).toMatchObject({ sub: 'ivy', client_id: 'web', scope: 'openid profile', username: 'ivy', aud: ['web'] });
    expect(access.payload.exp! - access.payload.iat!).toBe(3600);
    expect(typeof access.payload.jti).toBe('string');

    const id = await jwtVerify(tokens.json.id_token, keySet, { issuer, audience: 'web', algorithms: ['RS256'] });
    expect(id.protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(id.payload).toMatchObject({ sub: 'ivy', azp: 'web', nonce: 'nonce-123', preferred_username: 'ivy' });
    expect(id.payload.at_hash).toBe(halfHash(tokens.json.access_token));
    expect(id.payload.c_hash).toBe(halfHash(code));
    const authTime = id.payload.auth_time as number;
    expect(authTime).toBeLessThanOrEqual(id.payload.iat!);
    expect(id.payload.iat! - authTime).toBeLessThan(60);
  });

  it('rotates keys: new tokens use the new key, old tokens still verify and stay active', async () => {
    const before = await tokenRequest(server, { grant_type: 'client_credentials' }, { basic: ['web', SECRET] });
    const oldKid = decodeProtectedHeader(before.json.access_token).kid;
    const added = await server.runtime.keys.rotate(DEFAULT_SERVER);
    expect(added).toHaveLength(2);

    const set = await jwks(server);
    expect(set.keys).toHaveLength(4);
    expect(set.keys.map((k) => k.kid)).toContain(oldKid);

    const after = await tokenRequest(server, { grant_type: 'client_credentials' }, { basic: ['web', SECRET] });
    const newKid = decodeProtectedHeader(after.json.access_token).kid;
    expect(newKid).not.toBe(oldKid);
    expect(added).toContain(newKid);
    const keySet = createLocalJWKSet(set);
    await jwtVerify(before.json.access_token, keySet, { issuer });
    await jwtVerify(after.json.access_token, keySet, { issuer });
    await expectActive(server, before.json.access_token, true);
    await expectActive(server, after.json.access_token, true);
  });

  it('generates the keys at first start and keeps them in the store', async () => {
    const stored = await server.runtime.store.keys.list(DEFAULT_SERVER);
    expect(stored.filter((k) => k.rotatedAt === null).map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(server.logs.some((l) => l.includes('"privateJwk"') && !l.includes('[redacted]'))).toBe(false);
  });

  it('creates one key per algorithm for a new authorization server even when its first requests race', async () => {
    const ref = { tenantId: 'default', serverId: 'fresh' };
    await server.runtime.store.servers.create({ ...ref, name: 'Fresh', issuer: null, accessTokenFormat: null });
    await server.createClient({ ...ref, clientId: 'web', secret: SECRET });
    const results = await Promise.all(Array.from({ length: 8 }, () => call(`${server.url}/default/fresh/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['web', SECRET] })));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect((await server.runtime.store.keys.list(ref)).map((k) => k.alg)).toEqual(['ES256']);
    expect(new Set(results.map((r) => decodeProtectedHeader(r.json.access_token).kid)).size).toBe(1);
    // Its tokens are its own: the default server does not accept them.
    await expectActive(server, results[0].json.access_token, false);
  });
});

describe('discovery and signing with other settings', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      toml: [
        '[oauth]',
        'allow_plain_pkce = true',
        'access_token_signing_alg = "RS256"',
        'id_token_signing_alg = "ES256"',
        '[oauth.grant_type.password]',
        'enable = false',
        '[oauth.grant_type.authorization_code]',
        'enable = false',
      ].join('\n'),
    });
    await server.createClient({ clientId: 'web', secret: SECRET });
    await createUser(server, ivy.username, ivy.password);
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('leaves disabled grants and the authorization endpoint out of discovery', async () => {
    const doc = (await call(`${server.url}/.well-known/openid-configuration`)).json;
    expect([...doc.grant_types_supported].sort()).toEqual(['client_credentials', 'refresh_token']);
    expect(doc.authorization_endpoint).toBeUndefined();
    expect(doc.response_types_supported).toEqual([]);
    expect(doc.id_token_signing_alg_values_supported).toEqual(['ES256']);
    expect(doc.code_challenge_methods_supported).toEqual(['S256', 'plain']);
  });

  it('answers unsupported_grant_type for a disabled grant and refuses the code flow', async () => {
    expectOAuthError(await tokenRequest(server, { grant_type: 'password', ...ivy }, { basic: ['web', SECRET] }), 400, 'unsupported_grant_type');
    const redirect = location(await call(authorizeUrl(server, { client_id: 'web', redirect_uri: REDIRECT_URI, state: 'z' })));
    expect(redirect.searchParams.get('error')).toBe('unsupported_response_type');
    expect(redirect.searchParams.get('state')).toBe('z');
  });

  it('signs access tokens with the configured algorithm', async () => {
    const result = await tokenRequest(server, { grant_type: 'client_credentials' }, { basic: ['web', SECRET] });
    expect(decodeProtectedHeader(result.json.access_token).alg).toBe('RS256');
    await jwtVerify(result.json.access_token, createLocalJWKSet(await jwks(server)), { issuer: server.running.baseUrl, algorithms: ['RS256'] });
  });
});
