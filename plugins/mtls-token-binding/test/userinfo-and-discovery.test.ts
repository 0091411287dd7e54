/**
 * Resource-side enforcement at /oauth2/userinfo (the bundle's ProtectedResourceValidator) and the
 * discovery flag (its MetadataContributor), both switched on with the grant handlers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../../../test/support/https-client.ts';
import type { Issued } from '../../../test/support/pki.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { SECRET, WSO2_GRANT_HANDLERS, clientCertificate, tokenCall } from './support/fixtures.ts';

describe('certificate-bound tokens at userinfo and in discovery', () => {
  let server: TestServer;
  let certA: Issued;
  let certB: Issued;
  let boundToken: string;
  let unboundToken: string;

  const userinfo = (token: string, cert?: Issued) =>
    call(`${server.url}/oauth2/userinfo`, { bearer: token, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) });

  beforeAll(async () => {
    [certA, certB] = await Promise.all([clientCertificate('client-a'), clientCertificate('client-b')]);
    server = await startTestServer({ toml: WSO2_GRANT_HANDLERS });
    await server.createClient({ clientId: 'bound-app', secret: SECRET, tlsClientCertificateBoundAccessTokens: true });
    await server.createClient({ clientId: 'other-app', secret: SECRET, tlsClientCertificateBoundAccessTokens: true });
    await server.createClient({ clientId: 'plain-app', secret: SECRET });
    const login = { grant_type: 'password', username: 'admin', password: 'admin', scope: 'openid' };
    const bound = await tokenCall(server, login, { cert: certA, basic: ['bound-app', SECRET] });
    const unbound = await tokenCall(server, login, { basic: ['plain-app', SECRET] });
    expect(bound.status, bound.text).toBe(200);
    expect(unbound.status, unbound.text).toBe(200);
    boundToken = bound.json.access_token;
    unboundToken = unbound.json.access_token;
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('accepts a bound token with the certificate it is bound to', async () => {
    const response = await userinfo(boundToken, certA);
    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ sub: 'admin', preferred_username: 'admin' });
  });

  it('refuses a bound token presented without a certificate: 401 invalid_token', async () => {
    const response = await userinfo(boundToken);
    expect(response.status).toBe(401);
    expect(response.json.error).toBe('invalid_token');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it("refuses a bound token presented with another client's certificate", async () => {
    const response = await userinfo(boundToken, certB);
    expect(response.status).toBe(401);
    expect(response.json.error).toBe('invalid_token');
  });

  it('accepts an unbound token with or without a certificate', async () => {
    expect((await userinfo(unboundToken)).status).toBe(200);
    expect((await userinfo(unboundToken, certB)).status).toBe(200);
  });

  it('advertises tls_client_certificate_bound_access_tokens in both discovery documents', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const response = await call(`${server.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.json.tls_client_certificate_bound_access_tokens, path).toBe(true);
    }
  });
});
