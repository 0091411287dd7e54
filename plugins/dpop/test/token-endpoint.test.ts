/**
 * RFC 9449 at the token endpoint over real HTTPS: a proof binds the tokens (token_type DPoP, cnf.jkt
 * in the JWT, the store and introspection); every rule of §4.3 refuses a bad proof with
 * invalid_dpop_proof; a client registered with dpop_bound_access_tokens gets nothing without one;
 * a public client's refresh token needs a proof by the same key (§5), a confidential client's not.
 */
import { decodeJwt } from 'jose';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize } from '../../../test/support/authorization-flow.ts';
import { call, closeClients, type CallResult } from '../../../test/support/https-client.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { adminRoutes } from '../../../core/admin/admin-routes.ts';
import { createUser, expectOAuthError, introspect } from '../../../test/oauth/oauth-helpers.ts';
import { storedConfirmation } from '../../mtls-token-binding/test/support/fixtures.ts';
import { DPOP_TOML, at, dpopKey, endpoints, proof, type DpopKey, type Endpoints } from './support/dpop-fixtures.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const REDIRECT_URI = 'https://client.example.com/callback';

let server: TestServer;
let ep: Endpoints;
let tokenUrl: string;
let key: DpopKey;
let otherKey: DpopKey;

beforeAll(async () => {
  server = await startTestServer({ toml: `[oauth]\naccess_token_format = "jwt"\n${DPOP_TOML}`, mount: adminRoutes });
  await server.createClient({ clientId: 'app', secret: SECRET });
  await server.createClient({ clientId: 'opaque-app', secret: SECRET, accessTokenFormat: 'opaque' });
  await server.createClient({ clientId: 'dpop-app', secret: SECRET, dpopBoundAccessTokens: true });
  await server.createClient({ clientId: 'public-app', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code', 'refresh_token'] });
  await createUser(server, 'ada', 'ada-Passw0rd-for-tests');
  ep = await endpoints(server);
  tokenUrl = at(server, ep.token);
  [key, otherKey] = await Promise.all([dpopKey('ES256'), dpopKey('PS256')]);
});
afterAll(async () => {
  await closeClients();
  await server.dispose();
});

/** `basic` null: a public client (client_id in the form). */
function tokenCall(form: Record<string, string>, dpop?: string, basic: [string, string] | null = ['app', SECRET]): Promise<CallResult> {
  return call(tokenUrl, { form, basic: basic ?? undefined, headers: dpop !== undefined ? { DPoP: dpop } : {} });
}

const clientCredentials = { grant_type: 'client_credentials' };

describe('token endpoint with a DPoP proof', () => {
  it('advertises dpop_signing_alg_values_supported, asymmetric algorithms only', () => {
    const algs = ep.metadata.dpop_signing_alg_values_supported as string[];
    expect(algs).toContain('ES256');
    expect(algs).toContain('PS256');
    expect(algs.some((a) => a.startsWith('HS') || a === 'none')).toBe(false);
  });

  it('binds the access token to the proof key: token_type DPoP, cnf.jkt in the JWT and the store', async () => {
    const result = await tokenCall(clientCredentials, await proof(key, { htu: ep.token }));
    expect(result.status, result.text).toBe(200);
    expect(result.json.token_type).toBe('DPoP');
    expect(decodeJwt(result.json.access_token).cnf).toEqual({ jkt: key.jkt });
    expect(await storedConfirmation(server, result.json.access_token)).toEqual({ jkt: key.jkt });
  });

  it('shows cnf.jkt and token_type DPoP in introspection (opaque token)', async () => {
    const result = await tokenCall(clientCredentials, await proof(otherKey, { htu: ep.token }), ['opaque-app', SECRET]);
    expect(result.status, result.text).toBe(200);
    expect(result.json.access_token.split('.')).toHaveLength(1);
    const body = await introspect(server, result.json.access_token);
    expect(body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: otherKey.jkt } });
  });

  it('changes nothing for a request without a proof', async () => {
    const result = await tokenCall(clientCredentials);
    expect(result.status, result.text).toBe(200);
    expect(result.json.token_type).toBe('Bearer');
    expect(decodeJwt(result.json.access_token).cnf).toBeUndefined();
    const body = await introspect(server, result.json.access_token);
    expect(body.token_type).toBe('Bearer');
    expect(body.cnf).toBeUndefined();
  });

  it('refuses a replayed proof', async () => {
    const once = await proof(key, { htu: ep.token });
    expect((await tokenCall(clientCredentials, once)).status).toBe(200);
    const replayed = await tokenCall(clientCredentials, once);
    expectOAuthError(replayed, 400, 'invalid_dpop_proof');
    expect(replayed.json.error_description).toMatch(/already used/);
  });

  it('accepts htu with a query and in another case of scheme and host (RFC 9449 §4.3 normalisation)', async () => {
    const url = new URL(ep.token);
    const shouted = `HTTPS://${url.host.toUpperCase()}${url.pathname}?ignored=1#frag`;
    const result = await tokenCall(clientCredentials, await proof(key, { htu: shouted }));
    expect(result.status, result.text).toBe(200);
  });

  it.each([
    ['a wrong htu', { htu: 'https://attacker.example/oauth2/token' }, /htu/],
    ['the htu of another endpoint', { htu: '__userinfo__' }, /htu/],
    ['a wrong htm', { htm: 'GET' }, /htm/],
    ['an iat too old', { iat: Math.floor(Date.now() / 1000) - 3600 }, /iat/],
    ['an iat in the future', { iat: Math.floor(Date.now() / 1000) + 3600 }, /iat/],
    ['a wrong typ', { typ: 'JWT' }, /typ/],
  ])('refuses a proof with %s', async (_, overrides: Record<string, unknown>, why: RegExp) => {
    const htu = overrides.htu === '__userinfo__' ? ep.userinfo : (overrides.htu as string | undefined) ?? ep.token;
    const result = await tokenCall(clientCredentials, await proof(key, { ...overrides, htu }));
    expectOAuthError(result, 400, 'invalid_dpop_proof');
    expect(result.json.error_description).toMatch(why);
  });

  it('refuses a proof whose jwk carries the private key', async () => {
    const { exportJWK } = await import('jose');
    const privateJwk = await exportJWK(key.privateKey);
    expectOAuthError(await tokenCall(clientCredentials, await proof(key, { htu: ep.token, jwk: privateJwk })), 400, 'invalid_dpop_proof');
  });

  it('refuses a proof signed by another key than its jwk', async () => {
    expectOAuthError(await tokenCall(clientCredentials, await proof(key, { htu: ep.token, jwk: otherKey.publicJwk })), 400, 'invalid_dpop_proof');
  });

  it('refuses a MAC-signed proof and malformed headers', async () => {
    const { SignJWT } = await import('jose');
    const hs = await new SignJWT({ htm: 'POST', htu: ep.token, jti: 'x' })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.publicJwk })
      .setIssuedAt()
      .sign(new Uint8Array(32));
    expectOAuthError(await tokenCall(clientCredentials, hs), 400, 'invalid_dpop_proof');
    expectOAuthError(await tokenCall(clientCredentials, 'not-a-jwt'), 400, 'invalid_dpop_proof');
    expectOAuthError(await tokenCall(clientCredentials, ''), 400, 'invalid_dpop_proof');
  });

  it('refuses two DPoP headers', async () => {
    const agent = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const [a, b] = [await proof(key, { htu: ep.token }), await proof(key, { htu: ep.token })];
      const response = await request(tokenUrl, {
        method: 'POST',
        headers: ['content-type', 'application/x-www-form-urlencoded', 'authorization', `Basic ${Buffer.from(`app:${SECRET}`).toString('base64')}`, 'dpop', a, 'dpop', b],
        body: 'grant_type=client_credentials',
        dispatcher: agent,
      });
      expect(response.statusCode).toBe(400);
      expect(((await response.body.json()) as { error: string }).error).toBe('invalid_dpop_proof');
    } finally {
      await agent.close();
    }
  });
});

describe('dpop_bound_access_tokens', () => {
  it('refuses a token request without a proof', async () => {
    const result = await tokenCall(clientCredentials, undefined, ['dpop-app', SECRET]);
    expectOAuthError(result, 400, 'invalid_dpop_proof');
  });

  it('issues a DPoP-bound token with one', async () => {
    const result = await tokenCall(clientCredentials, await proof(key, { htu: ep.token }), ['dpop-app', SECRET]);
    expect(result.status, result.text).toBe(200);
    expect(result.json.token_type).toBe('DPoP');
    expect(decodeJwt(result.json.access_token).cnf).toEqual({ jkt: key.jkt });
  });

  it('is a field of the admin API client schema', async () => {
    const created = await call(`${server.url}/api/admin/default/clients`, {
      basic: ['admin', 'admin'],
      json: { client_id: 'registered-dpop', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', dpop_bound_access_tokens: true },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.dpop_bound_access_tokens).toBe(true);
    const refused = await tokenCall(clientCredentials, undefined, ['registered-dpop', created.json.client_secret]);
    expectOAuthError(refused, 400, 'invalid_dpop_proof');
    const plain = await call(`${server.url}/api/admin/default/clients`, {
      basic: ['admin', 'admin'],
      json: { client_id: 'registered-plain', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' },
    });
    expect(plain.json.dpop_bound_access_tokens).toBe(false);
  });
});

describe('refresh tokens', () => {
  async function codeTokens(clientId: string, dpop: DpopKey | null, basic: [string, string] | null) {
    const { code, codeVerifier } = await authorize(server.url, { clientId, pkce: true, scope: 'openid', username: 'ada', password: 'ada-Passw0rd-for-tests' });
    const form = { grant_type: 'authorization_code', code: code!, redirect_uri: REDIRECT_URI, code_verifier: codeVerifier!, ...(basic ? {} : { client_id: clientId }) };
    const result = await tokenCall(form, dpop ? await proof(dpop, { htu: ep.token }) : undefined, basic);
    expect(result.status, result.text).toBe(200);
    return result.json as { access_token: string; refresh_token: string; token_type: string };
  }
  const refresh = (refreshToken: string, clientId = 'public-app') => ({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

  it('binds a public client\'s refresh token: refresh needs a proof by the same key', async () => {
    const tokens = await codeTokens('public-app', key, null);
    expect(tokens.token_type).toBe('DPoP');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: key.jkt });

    expectOAuthError(await tokenCall(refresh(tokens.refresh_token), undefined, null), 400, 'invalid_grant');
    expectOAuthError(await tokenCall(refresh(tokens.refresh_token), await proof(otherKey, { htu: ep.token }), null), 400, 'invalid_grant');

    // Refused attempts did not use the token up: its holder still refreshes, and the new tokens stay bound.
    const refreshed = await tokenCall(refresh(tokens.refresh_token), await proof(key, { htu: ep.token }), null);
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(refreshed.json.token_type).toBe('DPoP');
    expect(decodeJwt(refreshed.json.access_token).cnf).toEqual({ jkt: key.jkt });
    const again = await tokenCall(refresh(refreshed.json.refresh_token), await proof(key, { htu: ep.token }), null);
    expect(again.status, again.text).toBe(200);
  });

  it('leaves a confidential client\'s refresh token bound to the client, not the key (RFC 9449 §5)', async () => {
    const tokens = await codeTokens('app', key, ['app', SECRET]);
    expect(tokens.token_type).toBe('DPoP');
    const refreshed = await tokenCall({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, await proof(otherKey, { htu: ep.token }));
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(decodeJwt(refreshed.json.access_token).cnf).toEqual({ jkt: otherKey.jkt });
  });
});
