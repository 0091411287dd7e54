/**
 * The WSO2 guide end to end, with its whole deployment.toml pasted: the mutual-TLS client
 * authenticator (another bundle), the introspection entries and the binding grant handlers. Clients
 * authenticate by their registered certificate alone — no secret — and get bound tokens without
 * asking for them, as WSO2 does. Skipped when the authenticator bundle is not built into dropins/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients } from '../../../test/support/https-client.ts';
import type { Issued } from '../../../test/support/pki.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import {
  WSO2_GRANT_HANDLERS,
  WSO2_INTROSPECTION_LISTENERS,
  clientCertificate,
  expectBound,
  introspect,
  oneLinePem,
  refreshConfirmation,
  thumbprintOf,
  tokenCall,
} from './support/fixtures.ts';


const WSO2_GUIDE_TOML = `
[admin_console.authenticator.mutual_ssl_authenticator]
enable = false

[transport.https]
trustManagerClassName="org.wso2.carbon.identity.core.util.ClientAuthX509TrustManager"
clientAuth="want"

[[event_listener]]
id = "custom_event_listener"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityMessageHandler"
name= "org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.MutualTLSClientAuthenticator"
order = 158
enable = true
${WSO2_INTROSPECTION_LISTENERS}
${WSO2_GRANT_HANDLERS}
[oauth.grant_type.uma_ticket]
retrieve_uma_permission_info_through_introspection = true

[oauth.mutualtls]
client_certificate_header = "x-wso2-mtls-cert"
`;

// npm test builds every bundle first (pretest), so the authenticator is always in dropins/.
describe('the WSO2 guide, pasted whole, with the mutual-TLS authenticator', () => {
  let server: TestServer;
  let certA: Issued;
  let certB: Issued;

  beforeAll(async () => {
    [certA, certB] = await Promise.all([clientCertificate('playground2'), clientCertificate('self-signed-app')]);
    server = await startTestServer({ toml: WSO2_GUIDE_TOML });
    // The guide's service provider: an application certificate, no secret used, no method registered.
    await server.createClient({ clientId: 'playground2', certificates: [certA.certPem] });
    await server.createClient({ clientId: 'self-signed-app', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [certB.certPem] });
  });
  afterAll(async () => {
    await closeClients();
    await server?.dispose();
  });

  it('client_credentials with the x-wso2-mtls-cert header and client_id only: bound, cnf in introspection', async () => {
    const response = await tokenCall(server, { grant_type: 'client_credentials', client_id: 'playground2' }, { headers: { 'x-wso2-mtls-cert': oneLinePem(certA) } });
    await expectBound(server, 'jwt', response, certA);
    const introspection = await introspect(server, response.json.access_token);
    expect(introspection.json).toMatchObject({ active: true, client_id: 'playground2', cnf: { 'x5t#S256': thumbprintOf(certA.der) } });
  });

  it('the password request of the guide over TLS (--cert/--key): bound; refresh with the certificate: bound', async () => {
    const issued = await tokenCall(server, { grant_type: 'password', username: 'admin', password: 'admin', client_id: 'playground2' }, { cert: certA });
    await expectBound(server, 'jwt', issued, certA);
    // A certificate-authenticated client is confidential: its refresh token is bound to the client.
    expect(await refreshConfirmation(server, issued.json.refresh_token)).toBeNull();
    const renewed = await tokenCall(server, { grant_type: 'refresh_token', refresh_token: issued.json.refresh_token, client_id: 'playground2' }, { cert: certA });
    await expectBound(server, 'jwt', renewed, certA);
  });

  it('another certificate does not authenticate the client (invalid_client before any binding)', async () => {
    const response = await tokenCall(server, { grant_type: 'client_credentials', client_id: 'playground2' }, { cert: certB });
    expect(response.status).toBe(401);
    expect(response.json.error).toBe('invalid_client');
  });

  it('self_signed_tls_client_auth: bound to the certificate the client authenticated with', async () => {
    await expectBound(server, 'jwt', await tokenCall(server, { grant_type: 'client_credentials', client_id: 'self-signed-app' }, { cert: certB }), certB);
  });
});
