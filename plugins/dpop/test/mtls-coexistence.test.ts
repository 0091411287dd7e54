/**
 * DPoP next to the mTLS bundles over real mutual TLS: a token carries every binding its request
 * proved — `x5t#S256` from the certificate (mtls-token-binding) and `jkt` from the DPoP proof —, both
 * show in the JWT and in introspection, and userinfo then wants both the certificate and the proof.
 * A request proving only the certificate keeps the RFC 8705 Bearer token.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../../../test/support/https-client.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { createUser, introspect } from '../../../test/oauth/oauth-helpers.ts';
import type { Issued } from '../../../test/support/pki.ts';
import { TESSERA_GRANT_HANDLERS, clientCertificate, thumbprintOf } from '../../mtls-token-binding/test/support/fixtures.ts';
import { DPOP_TOML, at, dpopKey, endpoints, proof, type DpopKey, type Endpoints } from './support/dpop-fixtures.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const ada = { username: 'ada', password: 'ada-Passw0rd-for-tests' };
const MTLS_INTROSPECTION = `
[[event_listener]]
id = "introspection_data_provider"
type = "IntrospectionDataProvider"
name = "tessera.mtls.introspection.CertificateBindingDataProvider"
`;

let server: TestServer;
let ep: Endpoints;
let cert: Issued;
let key: DpopKey;

beforeAll(async () => {
  server = await startTestServer({ toml: `[oauth]\naccess_token_format = "jwt"\n${TESSERA_GRANT_HANDLERS}${MTLS_INTROSPECTION}${DPOP_TOML}` });
  await server.createClient({ clientId: 'bound-app', secret: SECRET, tlsClientCertificateBoundAccessTokens: true });
  await server.createClient({ clientId: 'public-app', tokenEndpointAuthMethod: 'none', tlsClientCertificateBoundAccessTokens: true, grantTypes: ['password', 'refresh_token'] });
  await createUser(server, ada.username, ada.password);
  ep = await endpoints(server);
  [cert, key] = await Promise.all([clientCertificate('bound-app'), dpopKey()]);
});
afterAll(async () => {
  await closeClients();
  await server.dispose();
});

async function tokenWith(dpop: boolean) {
  const result = await call(at(server, ep.token), {
    form: { grant_type: 'password', ...ada, scope: 'openid' },
    basic: ['bound-app', SECRET],
    cert: cert.certPem,
    key: cert.keyPem,
    headers: dpop ? { DPoP: await proof(key, { htu: ep.token }) } : {},
  });
  expect(result.status, result.text).toBe(200);
  return result.json as { access_token: string; token_type: string };
}

describe('mTLS and DPoP together', () => {
  it('binds to the certificate and the DPoP key when the request proves both', async () => {
    const tokens = await tokenWith(true);
    const both = { 'x5t#S256': thumbprintOf(cert.der), jkt: key.jkt };
    expect(tokens.token_type).toBe('DPoP');
    expect(decodeJwt(tokens.access_token).cnf).toEqual(both);
    const body = await introspect(server, tokens.access_token);
    expect(body).toMatchObject({ active: true, token_type: 'DPoP', cnf: both });
  });

  it('userinfo wants the certificate and the proof', async () => {
    const { access_token: token } = await tokenWith(true);
    const dpopHeaders = async () => ({ authorization: `DPoP ${token}`, DPoP: await proof(key, { htm: 'GET', htu: ep.userinfo, accessToken: token }) });
    const ok = await call(at(server, ep.userinfo), { headers: await dpopHeaders(), cert: cert.certPem, key: cert.keyPem });
    expect(ok.status, ok.text).toBe(200);
    const noCert = await call(at(server, ep.userinfo), { headers: await dpopHeaders() });
    expect(noCert.status).toBe(401);
    expect(noCert.json.error).toBe('invalid_token');
    const noProof = await call(at(server, ep.userinfo), { bearer: token, cert: cert.certPem, key: cert.keyPem });
    expect(noProof.status).toBe(401);
    expect(String(noProof.headers['www-authenticate'])).toMatch(/^DPoP error="invalid_token"/);
  });

  it('keeps the RFC 8705 Bearer token when only the certificate is proved', async () => {
    const tokens = await tokenWith(false);
    expect(tokens.token_type).toBe('Bearer');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ 'x5t#S256': thumbprintOf(cert.der) });
    const ok = await call(at(server, ep.userinfo), { bearer: tokens.access_token, cert: cert.certPem, key: cert.keyPem });
    expect(ok.status, ok.text).toBe(200);
  });

  it('binds a public client\'s refresh token to both: refreshing it needs the certificate and the proof', async () => {
    const tls = { cert: cert.certPem, key: cert.keyPem };
    const issued = await call(at(server, ep.token), {
      form: { grant_type: 'password', ...ada, scope: 'openid', client_id: 'public-app' },
      ...tls,
      headers: { DPoP: await proof(key, { htu: ep.token }) },
    });
    expect(issued.status, issued.text).toBe(200);
    const form = { grant_type: 'refresh_token', refresh_token: issued.json.refresh_token as string, client_id: 'public-app' };
    const noCert = await call(at(server, ep.token), { form, headers: { DPoP: await proof(key, { htu: ep.token }) } });
    expect(noCert.json.error, noCert.text).toBe('invalid_grant');
    const noProof = await call(at(server, ep.token), { form, ...tls });
    expect(noProof.json.error, noProof.text).toBe('invalid_grant');
    const both = await call(at(server, ep.token), { form, ...tls, headers: { DPoP: await proof(key, { htu: ep.token }) } });
    expect(both.status, both.text).toBe(200);
    expect(decodeJwt(both.json.access_token).cnf).toEqual({ 'x5t#S256': thumbprintOf(cert.der), jkt: key.jkt });
  });
});
