/**
 * Shared by the PAR and FAPI 2.0 tests: a real server with the mTLS, private_key_jwt and binding
 * bundles on and the admin API mounted; a `fapi2-security` server made through the admin API; clients
 * and users registered the same way; PAR and token calls as curl would send them.
 */
import { expect } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { adminCall } from '../admin/admin-support.ts';
import { call, type CallResult } from '../support/https-client.ts';
import { createSelfSigned, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TESSERA_GRANT_HANDLERS } from '../../plugins/mtls-token-binding/test/support/fixtures.ts';
import { ENABLE as ENABLE_JWT, JWT_BEARER, assertion, keyPair, type KeyPair } from '../../plugins/private-key-jwt-client-authenticator/test/jwt-kit.ts';

export { JWT_BEARER, assertion, keyPair, type KeyPair };
export const REDIRECT_URI = 'https://client.example.com/callback';

/** The shipped deployment.toml's bundles: mTLS client auth, private_key_jwt, certificate binding for every grant. */
export const FAPI_BUNDLES = `
[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"
${ENABLE_JWT}${TESSERA_GRANT_HANDLERS}`;

export function startFapiTestServer(toml = ''): Promise<TestServer> {
  return startTestServer({ toml: `${FAPI_BUNDLES}\n${toml}`, mount: adminRoutes });
}

/** POST /api/admin/default/servers {id, profile}; answers the endpoint path prefix `/default/{id}`. */
export async function createAuthorizationServer(server: TestServer, id: string, profile: 'none' | 'fapi2-security'): Promise<string> {
  const res = await adminCall(server, '/api/admin/default/servers', { json: { id, profile } });
  expect(res.status, res.text).toBe(201);
  expect(res.json.profile).toBe(profile);
  return `/default/${id}`;
}

export async function createUser(server: TestServer, serverId: string, username: string, password: string): Promise<void> {
  const res = await adminCall(server, '/api/admin/default/users', { json: { username, password, authorization_server_id: serverId } });
  expect(res.status, res.text).toBe(201);
}

export function registerClient(server: TestServer, metadata: Record<string, unknown>): Promise<CallResult> {
  return adminCall(server, '/api/admin/default/clients', { json: metadata });
}

export async function mustRegister(server: TestServer, metadata: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await registerClient(server, metadata);
  expect(res.status, res.text).toBe(201);
  return res.json as Record<string, unknown>;
}

/** A FAPI client: private_key_jwt (ES256), certificate-bound tokens, PAR. */
export interface FapiClient {
  clientId: string;
  key: KeyPair;
  certificate: Issued;
}

export async function fapiClient(server: TestServer, serverId: string, clientId: string, extra: Record<string, unknown> = {}): Promise<FapiClient> {
  const key = await keyPair('ES256');
  const certificate = await createSelfSigned({ subject: `CN=${clientId},O=Tessera Tests`, keyAlg: 'EC' });
  await mustRegister(server, {
    client_id: clientId,
    authorization_server_id: serverId,
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [key.publicJwk] },
    tls_client_certificate_bound_access_tokens: true,
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [REDIRECT_URI],
    scopes: ['openid', 'accounts'],
    ...extra,
  });
  return { clientId, key, certificate };
}

export interface Endpoints {
  issuer: string;
  par: string;
  token: string;
  authorize: string;
}

export async function endpoints(server: TestServer, prefix: string): Promise<Endpoints> {
  const res = await call(`${server.url}${prefix}/.well-known/openid-configuration`);
  expect(res.status, res.text).toBe(200);
  return { issuer: res.json.issuer, par: res.json.pushed_authorization_request_endpoint, token: res.json.token_endpoint, authorize: res.json.authorization_endpoint };
}

/** `curl --cert ... -d response_type=code ... -d client_assertion=...  {par}` with a fresh assertion. */
export async function push(ep: Endpoints, client: FapiClient, params: Record<string, string>): Promise<CallResult> {
  return call(ep.par, {
    form: {
      client_id: client.clientId,
      client_assertion_type: JWT_BEARER,
      client_assertion: await assertion(client.clientId, ep.issuer, client.key),
      ...params,
    },
    cert: client.certificate.certPem,
    key: client.certificate.keyPem,
  });
}

/** The token request of a FAPI client: private_key_jwt over mTLS with its certificate. */
export async function fapiToken(ep: Endpoints, client: FapiClient, form: Record<string, string>, certificate: Issued | null = client.certificate): Promise<CallResult> {
  return call(ep.token, {
    form: { client_id: client.clientId, client_assertion_type: JWT_BEARER, client_assertion: await assertion(client.clientId, ep.issuer, client.key), ...form },
    ...(certificate ? { cert: certificate.certPem, key: certificate.keyPem } : {}),
  });
}
