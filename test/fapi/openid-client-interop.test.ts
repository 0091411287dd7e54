/**
 * Interoperability with an independent client library: openid-client v6 (panva) runs a FAPI 2.0 flow
 * against a real Tessera over real HTTPS, on a `fapi2-security` server — discovery, PAR with
 * private_key_jwt, sign-in and consent (driven as a browser would), the code exchanged, userinfo,
 * refresh — with mTLS as the sender constraint: every call carries the client certificate through
 * openid-client's `customFetch` (an undici Agent with the certificate and key).
 *
 * The DPoP run drives the same flow on the same server (the dpop bundle beside the mTLS bundles) with
 * DPoP instead: no client certificate; the client calls `client.getDPoPHandle(config, keyPair)` and
 * passes `{ DPoP }` to PAR (which binds the authorization code to the key, RFC 9449 §10.1), the code
 * exchange, userinfo and refresh; tokens carry `cnf.jkt` and `token_type` DPoP.
 */
import { calculateJwkThumbprint, decodeJwt, exportJWK } from 'jose';
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize } from '../support/authorization-flow.ts';
import { call, closeClients } from '../support/https-client.ts';
import { thumbprintOf } from '../support/pki.ts';
import type { TestServer } from '../support/test-server.ts';
import { DPOP_TOML, dpopKey, proof } from '../../plugins/dpop/test/support/dpop-fixtures.ts';
import { JWT_BEARER, REDIRECT_URI, assertion, createAuthorizationServer, createUser, endpoints, fapiClient, mustRegister, startFapiTestServer, type Endpoints, type FapiClient } from './fapi-kit.ts';

let server: TestServer;
let prefix: string;
let ep: Endpoints;
let app: FapiClient;
let agent: Agent;
const USER = { username: 'jo', password: 'jo-password-123' };
/** Every request openid-client made, as sent (for the replay test). */
const sent: { url: string; method: string; body: string | null; dpop: string | null }[] = [];

beforeAll(async () => {
  // Both sender constraints on one server, as the shipped deployment.toml has them.
  server = await startFapiTestServer(DPOP_TOML);
  prefix = await createAuthorizationServer(server, 'openbank', 'fapi2-security');
  ep = await endpoints(server, prefix);
  await createUser(server, 'openbank', USER.username, USER.password);
  app = await fapiClient(server, 'openbank', 'tpp-app');
  // The test server's certificate is self-signed (curl -k); the client certificate is the TPP's.
  agent = new Agent({ connect: { rejectUnauthorized: false, cert: app.certificate.certPem, key: app.certificate.keyPem } });
});

afterAll(async () => {
  await agent.close();
  await closeClients();
  await server.dispose();
});

/** An openid-client customFetch: undici's fetch over the agent (read per request: it is made in beforeAll), recording each request. */
const recordingFetch =
  (agentOf: () => Agent): client.CustomFetch =>
  async (url, options) => {
    record(url, options);
    return (await undiciFetch(url, { ...options, dispatcher: agentOf() } as Parameters<typeof undiciFetch>[1])) as unknown as Response;
  };

/** Over the mTLS agent, with the TPP's client certificate. */
const mtlsFetch = recordingFetch(() => agent);

function record(url: string, options: Parameters<client.CustomFetch>[1]): void {
  const headers = new Headers(options.headers);
  sent.push({ url, method: options.method, body: typeof options.body === 'string' ? options.body : options.body instanceof URLSearchParams ? options.body.toString() : null, dpop: headers.get('dpop') });
}

/** openid-client's view of a TPP: discovery at the issuer, private_key_jwt with its ES256 key, every request through `fetch`. */
function discover(issuer: string, tpp: FapiClient, fetch: client.CustomFetch): Promise<client.Configuration> {
  return client.discovery(
    new URL(issuer),
    tpp.clientId,
    { id_token_signed_response_alg: 'ES256', token_endpoint_auth_signing_alg: 'ES256' },
    client.PrivateKeyJwt({ key: tpp.key.privateKey, kid: tpp.key.publicJwk.kid }),
    { [client.customFetch]: fetch },
  );
}

const configuration = () => discover(ep.issuer, app, mtlsFetch);

describe('openid-client v6: FAPI 2.0 flow with mTLS-bound tokens', () => {
  it('discovery, PAR with private_key_jwt, sign-in and consent, code, userinfo, refresh', async () => {
    const config = await configuration();
    expect(config.serverMetadata().issuer).toBe(ep.issuer);
    expect(config.serverMetadata().require_pushed_authorization_requests).toBe(true);

    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid accounts',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    expect(authorizationUrl.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);

    // The browser part: the URL openid-client built, then sign-in and consent.
    const flow = await authorize(server.url, {
      clientId: app.clientId,
      endpointPath: `${prefix}/oauth2`,
      ...USER,
      extra: { request_uri: authorizationUrl.searchParams.get('request_uri')! },
    });
    expect(flow.code, flow.location).not.toBeNull();

    // openid-client checks state, iss (RFC 9207), the ID token (ES256, nonce, at_hash) and PKCE.
    const tokens = await client.authorizationCodeGrant(config, new URL(flow.location), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ 'x5t#S256': thumbprintOf(app.certificate.der) });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(USER.username);

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo.sub).toBe(USER.username);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(decodeJwt(refreshed.access_token).cnf).toEqual({ 'x5t#S256': thumbprintOf(app.certificate.der) });
    const again = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
    expect(again.sub).toBe(USER.username);
  });

  it('the bound token is refused without the certificate at userinfo', async () => {
    const config = await configuration();
    const verifier = client.randomPKCECodeVerifier();
    const url = await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const flow = await authorize(server.url, { clientId: app.clientId, endpointPath: `${prefix}/oauth2`, ...USER, extra: { request_uri: url.searchParams.get('request_uri')! } });
    const tokens = await client.authorizationCodeGrant(config, new URL(flow.location), { pkceCodeVerifier: verifier, idTokenExpected: true });
    const withoutCertificate = await call(`${ep.issuer}/oauth2/userinfo`, { bearer: tokens.access_token });
    expect(withoutCertificate.status).toBe(401);
    expect(String(withoutCertificate.headers['www-authenticate'])).toMatch(/invalid_token/);
  });
});

describe('openid-client v6: what the FAPI server refuses', () => {
  it('a replayed private_key_jwt assertion (the PAR request openid-client sent, sent again)', async () => {
    const config = await configuration();
    sent.length = 0;
    await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    const par = sent.find((r) => r.url === ep.par && r.method === 'POST');
    expect(par?.body).toContain('client_assertion=');
    const replay = await call(ep.par, { body: par!.body!, headers: { 'content-type': 'application/x-www-form-urlencoded' }, cert: app.certificate.certPem, key: app.certificate.keyPem });
    expect(replay.status).toBe(401);
    expect(replay.json).toMatchObject({ error: 'invalid_client' });
    expect(replay.json.error_description).toMatch(/already used/);
  });

  it('a request_uri used twice, or by another client', async () => {
    const config = await configuration();
    const url = await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    const requestUri = url.searchParams.get('request_uri')!;
    await fapiClient(server, 'openbank', 'other-tpp');
    const other = await call(`${ep.authorize}?client_id=other-tpp&request_uri=${encodeURIComponent(requestUri)}`);
    expect(other.status).toBe(400);
    expect(other.text).toContain('invalid_request_uri');
    const first = await authorize(server.url, { clientId: app.clientId, endpointPath: `${prefix}/oauth2`, ...USER, extra: { request_uri: requestUri } });
    expect(first.code).not.toBeNull();
    const second = await call(url.href);
    expect(second.status).toBe(400);
    expect(second.text).toContain('invalid_request_uri');
  });

  it('a plain /authorize (openid-client buildAuthorizationUrl without PAR)', async () => {
    const config = await configuration();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 'x', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    const res = await call(url.href);
    expect(res.status).toBe(302);
    const back = new URL(String(res.headers.location));
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('iss')).toBe(ep.issuer);
  });

  it('a public client and a secret client at registration', async () => {
    for (const method of ['none', 'client_secret_basic', 'client_secret_post']) {
      const res = await call(`${server.url}/api/admin/default/clients`, {
        json: { authorization_server_id: 'openbank', token_endpoint_auth_method: method, redirect_uris: [REDIRECT_URI] },
        basic: ['admin', 'admin'],
      });
      expect(res.status, method).toBe(400);
      expect(res.json.error).toBe('invalid_client_metadata');
    }
    // The same registration is fine where no profile applies.
    await mustRegister(server, { token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT_URI] });
  });
});

describe('openid-client v6: FAPI 2.0 flow with DPoP-bound tokens', () => {
  let dpopApp: FapiClient;
  /** No client certificate: DPoP is the sender constraint, TLS only protects the channel. */
  let tlsAgent: Agent;
  const dpopFetch = recordingFetch(() => tlsAgent);

  beforeAll(async () => {
    tlsAgent = new Agent({ connect: { rejectUnauthorized: false } });
    dpopApp = await fapiClient(server, 'openbank', 'dpop-tpp', { tls_client_certificate_bound_access_tokens: false, dpop_bound_access_tokens: true });
  });
  afterAll(() => tlsAgent.close());

  const dpopConfiguration = () => discover(ep.issuer, dpopApp, dpopFetch);

  const jktOf = async (keyPair: CryptoKeyPair) => calculateJwkThumbprint(await exportJWK(keyPair.publicKey), 'sha256');

  /** PAR with the DPoP handle, sign-in and consent, the code exchanged with the same handle. */
  async function dpopTokens(config: client.Configuration, DPoP: client.DPoPHandle, scope = 'openid accounts') {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = await client.buildAuthorizationUrlWithPAR(
      config,
      { redirect_uri: REDIRECT_URI, scope, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce },
      { DPoP },
    );
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const flow = await authorize(server.url, { clientId: dpopApp.clientId, endpointPath: `${prefix}/oauth2`, ...USER, extra: { request_uri: url.searchParams.get('request_uri')! } });
    expect(flow.code, flow.location).not.toBeNull();
    return { flow, verifier, state, nonce };
  }

  /** The whole front half: PAR, sign-in and consent, and the code exchanged, all with the handle. */
  async function signedIn(config: client.Configuration, DPoP: client.DPoPHandle) {
    const { flow, verifier, state, nonce } = await dpopTokens(config, DPoP, 'openid');
    return client.authorizationCodeGrant(config, new URL(flow.location), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true }, undefined, { DPoP });
  }

  it('discovery, PAR with private_key_jwt, sign-in and consent, code, userinfo, refresh — all with DPoP', async () => {
    const config = await dpopConfiguration();
    expect(config.serverMetadata().require_pushed_authorization_requests).toBe(true);
    expect(config.serverMetadata().dpop_signing_alg_values_supported).toContain('ES256');
    const keyPair = await client.randomDPoPKeyPair('ES256');
    const DPoP = client.getDPoPHandle(config, keyPair);
    const jkt = await jktOf(keyPair);

    sent.length = 0;
    const { flow, verifier, state, nonce } = await dpopTokens(config, DPoP);
    // openid-client proved the key at PAR (RFC 9449 §10.1), without any client certificate.
    expect(sent.find((r) => r.url === ep.par)?.dpop).toBeTruthy();

    const tokens = await client.authorizationCodeGrant(config, new URL(flow.location), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true }, undefined, { DPoP });
    expect(tokens.token_type).toBe('dpop');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(USER.username);

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP });
    expect(userinfo.sub).toBe(USER.username);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
    expect(refreshed.token_type).toBe('dpop');
    expect(decodeJwt(refreshed.access_token).cnf).toEqual({ jkt });
    expect((await client.fetchUserInfo(config, refreshed.access_token, claims.sub, { DPoP })).sub).toBe(USER.username);
  });

  it('the code bound at PAR (RFC 9449 §10.1) is not exchanged with another key', async () => {
    const config = await dpopConfiguration();
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const { flow, verifier, state } = await dpopTokens(config, DPoP, 'openid');
    const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    await expect(
      client.authorizationCodeGrant(config, new URL(flow.location), { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true }, undefined, { DPoP: thief }),
    ).rejects.toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/DPoP proof key/) });
  });

  it('a replayed DPoP proof is refused at the token endpoint', async () => {
    const config = await dpopConfiguration();
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const tokens = await signedIn(config, DPoP);
    sent.length = 0;
    await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
    const used = sent.find((r) => r.url === ep.token && r.method === 'POST')?.dpop;
    expect(used).toBeTruthy();
    // The same proof again, with a fresh client assertion: only the proof is replayed.
    const replay = await call(ep.token, {
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: dpopApp.clientId, client_assertion_type: JWT_BEARER, client_assertion: await assertion(dpopApp.clientId, ep.issuer, dpopApp.key) },
      headers: { dpop: used! },
    });
    expect(replay.status, replay.text).toBe(400);
    expect(replay.json.error).toBe('invalid_dpop_proof');
    expect(replay.json.error_description).toMatch(/jti|replay|already/i);
  });

  it('a proof with a wrong htu is refused at the token endpoint', async () => {
    const config = await dpopConfiguration();
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const tokens = await signedIn(config, DPoP);
    const key = await dpopKey('ES256');
    for (const htu of [`${ep.issuer}/oauth2/userinfo`, ep.token.replace('/token', '/tokens')]) {
      const res = await call(ep.token, {
        form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: dpopApp.clientId, client_assertion_type: JWT_BEARER, client_assertion: await assertion(dpopApp.clientId, ep.issuer, dpopApp.key) },
        headers: { dpop: await proof(key, { htu }) },
      });
      expect(res.status, res.text).toBe(400);
      expect(res.json.error).toBe('invalid_dpop_proof');
      expect(res.json.error_description).toMatch(/htu/);
    }
  });

  it('the DPoP-bound access token presented as Bearer, or with another key, at userinfo: 401 WWW-Authenticate DPoP', async () => {
    const config = await dpopConfiguration();
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const tokens = await signedIn(config, DPoP);
    const userinfo = `${ep.issuer}/oauth2/userinfo`;

    const asBearer = await call(userinfo, { bearer: tokens.access_token });
    expect(asBearer.status).toBe(401);
    expect(String(asBearer.headers['www-authenticate'])).toMatch(/^DPoP .*error="invalid_token"/);
    // openid-client without its handle sends Bearer too, and is refused the same way.
    await expect(client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck)).rejects.toMatchObject({ status: 401 });

    const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const stolen = await client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck, { DPoP: thief }).then(
      () => null,
      (err: unknown) => err as { status?: number; response?: Response },
    );
    expect(stolen?.status).toBe(401);
    expect(stolen?.response?.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_token"/);
    // Still fine for its holder.
    expect((await client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck, { DPoP })).sub).toBe(USER.username);
  });
});

describe('openid-client v6: the DPoP flow against a server that requires DPoP nonces', () => {
  let nonceServer: TestServer;
  let nep: Endpoints;
  let napp: FapiClient;
  let tlsAgent: Agent;
  const nonceFetch = recordingFetch(() => tlsAgent);

  beforeAll(async () => {
    tlsAgent = new Agent({ connect: { rejectUnauthorized: false } });
    nonceServer = await startFapiTestServer(`${DPOP_TOML}\n[plugins.dpop]\nrequire_nonce = true\nnonce_secret = "fapi-interop-nonce-secret-0123456789abcdef"\n`);
    const nprefix = await createAuthorizationServer(nonceServer, 'openbank', 'fapi2-security');
    nep = await endpoints(nonceServer, nprefix);
    await createUser(nonceServer, 'openbank', USER.username, USER.password);
    napp = await fapiClient(nonceServer, 'openbank', 'nonce-tpp', { tls_client_certificate_bound_access_tokens: false, dpop_bound_access_tokens: true });
  });
  afterAll(async () => {
    await tlsAgent.close();
    await nonceServer.dispose();
  });

  it('PAR and the code exchange are retried with the DPoP-Nonce the server asked for', async () => {
    const config = await discover(nep.issuer, napp, nonceFetch);
    const keyPair = await client.randomDPoPKeyPair('ES256');
    const DPoP = client.getDPoPHandle(config, keyPair);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    sent.length = 0;
    const url = await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state }, { DPoP });
    // The first push had no nonce and was refused with use_dpop_nonce; the library pushed again with it.
    expect(sent.filter((r) => r.url === nep.par)).toHaveLength(2);
    expect(decodeJwt(sent.filter((r) => r.url === nep.par)[1].dpop!)).toHaveProperty('nonce');
    const flow = await authorize(nonceServer.url, { clientId: napp.clientId, endpointPath: `/default/openbank/oauth2`, ...USER, extra: { request_uri: url.searchParams.get('request_uri')! } });
    const tokens = await client.authorizationCodeGrant(config, new URL(flow.location), { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true }, undefined, { DPoP });
    expect(tokens.token_type).toBe('dpop');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: await calculateJwkThumbprint(await exportJWK(keyPair.publicKey), 'sha256') });
  });
});
