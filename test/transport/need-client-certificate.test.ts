/**
 * `[transport.https] clientAuth = "need"`: a connection without a client certificate is closed before
 * any request is read; one with a certificate is served, on full and resumed TLS sessions alike, and
 * the certificate the connection was checked with is the one its tokens are bound to. Real server,
 * real TLS, a client as an HTTPS library makes it.
 */
import { Agent } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Issued, createCa, createLeaf } from '../support/pki.ts';
import { type TestServer, startTestServer } from '../support/test-server.ts';
import { certificateThumbprintOf, tokenOnNewConnection } from '../support/new-connection-token.ts';

let server: TestServer;
let ca: Issued;
let leaf: Issued;

beforeAll(async () => {
  ca = await createCa({ subject: 'CN=Need Test CA' });
  leaf = await createLeaf({ issuer: ca, subject: 'CN=needy-client,O=Acme' });
  server = await startTestServer({
    files: { 'ca.pem': ca.certPem },
    toml: `
[transport.https]
clientAuth = "need"
truststore = "ca.pem"

[oauth.grant_type.client_credentials]
grant_handler = "tessera.mtls.binding.ClientCredentialsGrantHandler"

[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[oauth.mutualtls]
trust_anchors = "ca.pem"
`,
  });
  await server.createClient({
    clientId: 'needy',
    tokenEndpointAuthMethod: 'tls_client_auth',
    tlsClientAuthSubjectDn: 'CN=needy-client,O=Acme',
    tlsClientCertificateBoundAccessTokens: true,
    accessTokenFormat: 'jwt',
  });
});
afterAll(() => server?.dispose());

/** A token request on a new connection, or the connection's error code. */
const tokenOrError = (agent: Agent) => tokenOnNewConnection(server.url, agent, 'needy').catch((err: NodeJS.ErrnoException) => ({ error: err.code ?? err.message }));

describe('clientAuth = "need"', () => {
  it('closes a connection that presents no client certificate', async () => {
    const agent = new Agent({ keepAlive: false, rejectUnauthorized: false });
    try {
      const result = await tokenOrError(agent);
      expect(result).toHaveProperty('error');
    } finally {
      agent.destroy();
    }
  });

  it('serves a client with a certificate on full and resumed sessions, binding its tokens to that certificate', async () => {
    const agent = new Agent({ keepAlive: false, rejectUnauthorized: false, cert: leaf.certPem, key: leaf.keyPem, maxCachedSessions: 10 });
    try {
      const results = [await tokenOrError(agent), await tokenOrError(agent), await tokenOrError(agent)];
      const thumbprint = certificateThumbprintOf(leaf.certPem);
      expect(results).toEqual([
        { status: 200, resumed: false, boundTo: thumbprint },
        { status: 200, resumed: true, boundTo: thumbprint },
        { status: 200, resumed: true, boundTo: thumbprint },
      ]);
    } finally {
      agent.destroy();
    }
  });
});
