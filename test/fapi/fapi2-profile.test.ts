/**
 * A `fapi2-security` authorization server (FAPI 2.0 Security Profile §5.3), made through the admin API
 * next to a server without a profile on the same node: every rule the profile adds is refused with
 * an RFC-shaped error here, and a conforming client goes through PAR, sign-in, consent and the token
 * endpoint with a certificate-bound token.
 */
import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../admin/admin-support.ts';
import { expectOAuthError } from '../oauth/oauth-helpers.ts';
import { authorize, pkcePair } from '../support/authorization-flow.ts';
import { call, closeClients } from '../support/https-client.ts';
import { createSelfSigned, thumbprintOf } from '../support/pki.ts';
import type { TestServer } from '../support/test-server.ts';
import { freePort } from '../../plugins/mutual-tls-client-authenticator/test/mtls-kit.ts';
import {
  REDIRECT_URI,
  assertion,
  createAuthorizationServer,
  createUser,
  endpoints,
  fapiClient,
  fapiToken,
  keyPair,
  mustRegister,
  push,
  registerClient,
  startFapiTestServer,
  JWT_BEARER,
  type Endpoints,
  type FapiClient,
} from './fapi-kit.ts';

let server: TestServer;
let prefix: string;
let ep: Endpoints;
let app: FapiClient;
const USER = { username: 'pat', password: 'pat-password-1' };

beforeAll(async () => {
  // A configured code lifetime and ID token algorithm the profile must override on its server.
  server = await startFapiTestServer(`[oauth]\nauthorization_code_lifetime = 600\nid_token_signing_alg = "RS256"\n\n[oauth.mutualtls]\nendpoint_alias_port = ${await freePort()}`);
  prefix = await createAuthorizationServer(server, 'bank', 'fapi2-security');
  ep = await endpoints(server, prefix);
  await createUser(server, 'bank', USER.username, USER.password);
  app = await fapiClient(server, 'bank', 'bank-app');
});

afterAll(async () => {
  await closeClients();
  await server.dispose();
});

const pushedRequest = (challenge = pkcePair().challenge, extra: Record<string, string> = {}) => ({
  response_type: 'code',
  redirect_uri: REDIRECT_URI,
  scope: 'openid accounts',
  state: 'st',
  nonce: 'n-1',
  code_challenge: challenge,
  code_challenge_method: 'S256',
  ...extra,
});

async function codeFor(client: FapiClient, pkce = pkcePair()) {
  const pushed = await push(ep, client, pushedRequest(pkce.challenge));
  expect(pushed.status, pushed.text).toBe(201);
  const flow = await authorize(server.url, { clientId: client.clientId, endpointPath: `${prefix}/oauth2`, ...USER, extra: { request_uri: pushed.json.request_uri } });
  expect(flow.code, flow.location).not.toBeNull();
  return { code: flow.code!, verifier: pkce.verifier, params: flow.params };
}

describe('the server resource', () => {
  it('has "profile", default "none", switchable by PATCH, and refuses other values', async () => {
    const created = await adminCall(server, '/api/admin/default/servers', { json: { id: 'plain' } });
    expect(created.json.profile).toBe('none');
    const patched = await adminCall(server, '/api/admin/default/servers/plain', { method: 'PATCH', json: { profile: 'fapi2-security' } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.profile).toBe('fapi2-security');
    const bad = await adminCall(server, '/api/admin/default/servers/plain', { method: 'PATCH', json: { profile: 'fapi1' } });
    expect(bad.status).toBe(400);
    expect((await adminCall(server, '/api/admin/default/servers/bank')).json.profile).toBe('fapi2-security');
  });
});

describe('registration on a fapi2-security server', () => {
  it.each([
    ['a secret client', { token_endpoint_auth_method: 'client_secret_basic' }, /token_endpoint_auth_method/],
    ['a public client', { token_endpoint_auth_method: 'none' }, /token_endpoint_auth_method/],
    ['a client without a method (WSO2 flow)', {}, /token_endpoint_auth_method/],
    ['a client_secret_jwt client', { token_endpoint_auth_method: 'client_secret_jwt' }, /token_endpoint_auth_method/],
    ['RS256 assertions', { token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS256', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] } }, /token_endpoint_auth_signing_alg/],
    ['the password grant', { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=x', grant_types: ['password'] }, /password/],
    ['an http redirect URI', { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=x', redirect_uris: ['http://127.0.0.1/cb'] }, /https/],
  ])('refuses %s with invalid_client_metadata', async (_label, metadata, field) => {
    const res = await registerClient(server, { authorization_server_id: 'bank', redirect_uris: [REDIRECT_URI], ...metadata });
    expectOAuthError(res, 400, 'invalid_client_metadata');
    expect(res.json.error_description).toMatch(field);
    expect(res.json.error_description).toMatch(/FAPI 2.0/);
  });

  it('accepts tls_client_auth, self_signed_tls_client_auth and private_key_jwt clients', async () => {
    const cert = await createSelfSigned({ subject: 'CN=self,O=Tessera Tests', keyAlg: 'EC' });
    await mustRegister(server, { authorization_server_id: 'bank', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=pki-app', redirect_uris: [REDIRECT_URI] });
    await mustRegister(server, { authorization_server_id: 'bank', token_endpoint_auth_method: 'self_signed_tls_client_auth', certificate: cert.certPem, redirect_uris: [REDIRECT_URI] });
    // A client refused on the FAPI server is fine on the server without a profile.
    await mustRegister(server, { token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [REDIRECT_URI] });
  });
});

describe('discovery of a fapi2-security server', () => {
  it('advertises only what the profile allows', async () => {
    const meta = (await call(`${server.url}${prefix}/.well-known/openid-configuration`)).json;
    expect(meta.require_pushed_authorization_requests).toBe(true);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
    expect(meta.token_endpoint_auth_methods_supported.sort()).toEqual(['private_key_jwt', 'self_signed_tls_client_auth', 'tls_client_auth']);
    expect(meta.token_endpoint_auth_signing_alg_values_supported).toEqual(['PS256', 'ES256', 'EdDSA']);
    expect(meta.id_token_signing_alg_values_supported).toEqual(['ES256']);
    expect(meta.grant_types_supported).not.toContain('password');
    expect(meta.mtls_endpoint_aliases.pushed_authorization_request_endpoint).toMatch(/\/default\/bank\/oauth2\/par$/);
    const plain = (await call(`${server.url}/.well-known/openid-configuration`)).json;
    expect(plain.require_pushed_authorization_requests).toBe(false);
    expect(plain.token_endpoint_auth_methods_supported).toContain('client_secret_basic');
  });
});

describe('authorization requests on a fapi2-security server', () => {
  it('refuses a plain /authorize (no PAR) back to the client, with iss', async () => {
    const flow = await authorize(server.url, { clientId: 'bank-app', endpointPath: `${prefix}/oauth2`, pkce: true, state: 'plain', scope: 'openid' });
    expect(flow.code).toBeNull();
    expect(flow.params).toMatchObject({ error: 'invalid_request', state: 'plain', iss: ep.issuer });
    expect(flow.params.error_description).toMatch(/pushed authorization requests/);
  });

  it('requires PKCE with S256 in the pushed request', async () => {
    const { code_challenge: _c, code_challenge_method: _m, ...noPkce } = pushedRequest();
    const none = await push(ep, app, noPkce);
    expectOAuthError(none, 400, 'invalid_request');
    expect(none.json.error_description).toMatch(/S256/);
    expectOAuthError(await push(ep, app, pushedRequest('x'.repeat(43), { code_challenge_method: 'plain' })), 400, 'invalid_request');
  });

  it('takes pushed requests at the mTLS alias too; an assertion\'s aud is the issuer, as a string, and nothing else', async () => {
    const meta = (await call(`${server.url}${prefix}/.well-known/openid-configuration`)).json;
    const aliasPar: string = meta.mtls_endpoint_aliases.pushed_authorization_request_endpoint;
    const pushAt = async (aud: string | string[]) =>
      call(aliasPar, {
        form: { client_id: app.clientId, client_assertion_type: JWT_BEARER, client_assertion: await assertion(app.clientId, aud, app.key), ...pushedRequest() },
        cert: app.certificate.certPem,
        key: app.certificate.keyPem,
      });
    const accepted = await pushAt(ep.issuer);
    expect(accepted.status, accepted.text).toBe(201);
    // Endpoint URLs (accepted on a server without a profile) and an array are not (FAPI 2.0 §5.3.2.1).
    for (const aud of [aliasPar, ep.par, ep.token, [ep.issuer]]) {
      const refused = await pushAt(aud);
      expectOAuthError(refused, 401, 'invalid_client');
      expect(refused.json.error_description).toMatch(/issuer/);
    }
  });

  it('requires redirect_uri in the pushed request', async () => {
    const { redirect_uri: _r, ...noRedirect } = pushedRequest();
    expectOAuthError(await push(ep, app, noRedirect), 400, 'invalid_request');
  });

  it('refuses an assertion signed with RS256, before any authenticator runs', async () => {
    const rsa = await keyPair('RS256');
    await mustRegister(server, { client_id: 'rsa-app', authorization_server_id: 'bank', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [rsa.publicJwk] }, redirect_uris: [REDIRECT_URI] });
    const res = await call(ep.par, { form: { client_id: 'rsa-app', client_assertion_type: JWT_BEARER, client_assertion: await assertion('rsa-app', ep.issuer, rsa), ...pushedRequest() } });
    expectOAuthError(res, 401, 'invalid_client');
    expect(res.json.error_description).toMatch(/PS256, ES256, EdDSA/);
  });
});

describe('tokens on a fapi2-security server', () => {
  it('issues certificate-bound tokens, an ES256 ID token, and a code of at most 60 s', async () => {
    const { code, verifier, params } = await codeFor(app);
    expect(params.iss).toBe(ep.issuer);
    const res = await fapiToken(ep, app, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(res.status, res.text).toBe(200);
    expect(decodeJwt(res.json.access_token).cnf).toEqual({ 'x5t#S256': thumbprintOf(app.certificate.der) });
    expect(decodeProtectedHeader(res.json.id_token).alg).toBe('ES256');
    expect(decodeProtectedHeader(res.json.access_token).alg).toBe('ES256');

    // The code's lifetime: expired 61 s after issue although [oauth] authorization_code_lifetime = 600.
    const late = await codeFor(app);
    const id = createHash('sha256').update(late.code).digest('base64url');
    expect(await server.runtime.store.codes.redeem({ tenantId: 'default', serverId: 'bank' }, id, Math.floor(Date.now() / 1000) + 61)).toBeNull();
    expect(await server.runtime.store.codes.redeem({ tenantId: 'default', serverId: 'bank' }, id, Math.floor(Date.now() / 1000) + 30)).toHaveProperty('redeemed');
  });

  it('refreshes with the certificate, still bound', async () => {
    const { code, verifier } = await codeFor(app);
    const first = await fapiToken(ep, app, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    const refreshed = await fapiToken(ep, app, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(decodeJwt(refreshed.json.access_token).cnf).toEqual({ 'x5t#S256': thumbprintOf(app.certificate.der) });
  });

  it('refuses to issue an access token that no proof binds (invalid_request)', async () => {
    // Registered without tls_client_certificate_bound_access_tokens and presenting no certificate: nothing to bind to.
    const unbound = await fapiClient(server, 'bank', 'unbound-app', { tls_client_certificate_bound_access_tokens: false });
    const { code, verifier } = await codeFor(unbound);
    const res = await fapiToken(ep, unbound, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, null);
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.json.error_description).toMatch(/sender-constrained/);
    expect(server.logs.some((l) => l.includes('fapi2-security: no certificate or DPoP binding'))).toBe(true);
  });

  it('refuses a client registered before the switch whose method the profile does not allow', async () => {
    await createAuthorizationServer(server, 'legacy', 'none');
    const created = await mustRegister(server, { client_id: 'legacy-app', authorization_server_id: 'legacy', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials', 'password'] });
    const tokenUrl = `${server.url}/default/legacy/oauth2/token`;
    const before = await call(tokenUrl, { form: { grant_type: 'client_credentials' }, basic: ['legacy-app', created.client_secret as string] });
    expect(before.status, before.text).toBe(200);
    const switched = await adminCall(server, '/api/admin/default/servers/legacy', { method: 'PATCH', json: { profile: 'fapi2-security' } });
    expect(switched.status).toBe(200);
    const after = await call(tokenUrl, { form: { grant_type: 'client_credentials' }, basic: ['legacy-app', created.client_secret as string] });
    expectOAuthError(after, 401, 'invalid_client');
    expect(after.json.error_description).toMatch(/FAPI 2.0/);
  });

  it('refuses the password grant', async () => {
    const pki = await createSelfSigned({ subject: 'CN=pw-app,O=Tessera Tests', keyAlg: 'EC' });
    await createAuthorizationServer(server, 'pw', 'none');
    await mustRegister(server, { client_id: 'pw-app', authorization_server_id: 'pw', token_endpoint_auth_method: 'self_signed_tls_client_auth', certificate: pki.certPem, grant_types: ['password'] });
    await adminCall(server, '/api/admin/default/servers/pw', { method: 'PATCH', json: { profile: 'fapi2-security' } });
    const res = await call(`${server.url}/default/pw/oauth2/token`, { form: { grant_type: 'password', client_id: 'pw-app', username: 'x', password: 'y' }, cert: pki.certPem, key: pki.keyPem });
    expectOAuthError(res, 400, 'unauthorized_client');
  });
});
