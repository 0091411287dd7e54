/**
 * The WSO2 guide's setup: a TLS-terminating proxy forwards the client certificate in
 * `x-wso2-mtls-cert` as one-line PEM. The test server's peer address (127.0.0.1) is a trusted proxy
 * by default, so the header counts; binding works exactly as for a certificate from the socket.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize } from '../../../test/support/authorization-flow.ts';
import { call, closeClients } from '../../../test/support/https-client.ts';
import type { Issued } from '../../../test/support/pki.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import {
  REDIRECT_URI,
  SECRET,
  WSO2_GRANT_HANDLERS,
  clientCertificate,
  expectBound,
  expectInvalidGrant,
  oneLinePem,
  thumbprintOf,
  tokenCall,
} from './support/fixtures.ts';

const HEADER = 'x-wso2-mtls-cert';

describe('certificate from the x-wso2-mtls-cert header (WSO2 guide)', () => {
  let server: TestServer;
  let certA: Issued;
  let certB: Issued;
  const header = (issued: Issued) => ({ [HEADER]: oneLinePem(issued) });

  beforeAll(async () => {
    [certA, certB] = await Promise.all([clientCertificate('client-a'), clientCertificate('client-b')]);
    server = await startTestServer({ toml: `${WSO2_GRANT_HANDLERS}\n[oauth.mutualtls]\nclient_certificate_header = "${HEADER}"\n` });
    await server.createClient({ clientId: 'bound-app', secret: SECRET, tlsClientCertificateBoundAccessTokens: true });
    await server.createClient({ clientId: 'public-app', tokenEndpointAuthMethod: 'none', tlsClientCertificateBoundAccessTokens: true });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('uses the one-line PEM format of the guide', () => {
    const value = oneLinePem(certA);
    expect(value).toMatch(/^-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=]+-----END CERTIFICATE-----$/);
  });

  it('client_credentials: binds to the forwarded certificate', async () => {
    const response = await tokenCall(server, { grant_type: 'client_credentials' }, { basic: ['bound-app', SECRET], headers: header(certA) });
    await expectBound(server, 'jwt', response, certA);
  });

  it('the forwarded certificate wins over the TLS one from a trusted proxy', async () => {
    const response = await tokenCall(server, { grant_type: 'client_credentials' }, { cert: certB, basic: ['bound-app', SECRET], headers: header(certA) });
    await expectBound(server, 'jwt', response, certA);
  });

  it('authorization_code and refresh_token (public client): bound, and refreshed only with the same header', async () => {
    const { code, codeVerifier } = await authorize(server.url, { clientId: 'public-app', pkce: true, scope: 'openid' });
    const issued = await tokenCall(
      server,
      { grant_type: 'authorization_code', code: code!, redirect_uri: REDIRECT_URI, client_id: 'public-app', code_verifier: codeVerifier! },
      { headers: header(certA) },
    );
    await expectBound(server, 'jwt', issued, certA);
    const form = { grant_type: 'refresh_token', refresh_token: issued.json.refresh_token as string, client_id: 'public-app' };
    expectInvalidGrant(await tokenCall(server, form, { headers: header(certB) }));
    expectInvalidGrant(await tokenCall(server, form));
    const renewed = await tokenCall(server, form, { headers: header(certA) });
    await expectBound(server, 'jwt', renewed, certA);
    expect(decodeJwt(renewed.json.access_token).cnf).toEqual({ 'x5t#S256': thumbprintOf(certA.der) });
  });

  it('a malformed header is no certificate: binding required → invalid_grant', async () => {
    const response = await tokenCall(server, { grant_type: 'client_credentials' }, { basic: ['bound-app', SECRET], headers: { [HEADER]: '-----BEGIN CERTIFICATE-----garbage-----END CERTIFICATE-----' } });
    expectInvalidGrant(response);
  });

  it('userinfo: the matching header passes; none, garbage or another certificate is 401 invalid_token', async () => {
    const issued = await tokenCall(server, { grant_type: 'password', username: 'admin', password: 'admin', scope: 'openid' }, { basic: ['bound-app', SECRET], headers: header(certA) });
    expect(issued.status, issued.text).toBe(200);
    const token: string = issued.json.access_token;
    const userinfo = (headers: Record<string, string>) => call(`${server.url}/oauth2/userinfo`, { bearer: token, headers });

    expect((await userinfo(header(certA))).status).toBe(200);
    for (const headers of [{}, { [HEADER]: 'not a certificate' }, { [HEADER]: `-----BEGIN CERTIFICATE-----${'A'.repeat(40)}-----END CERTIFICATE-----` }, header(certB)]) {
      const response = await userinfo(headers);
      expect(response.status, JSON.stringify(headers).slice(0, 80)).toBe(401);
      expect(response.json.error).toBe('invalid_token');
    }
  });
});
