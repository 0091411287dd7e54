/**
 * A client that sends its intermediate CA in the TLS handshake keeps authenticating with
 * tls_client_auth on resumed sessions, where OpenSSL hands the server the leaf only: the chain seen in
 * the leaf's full handshake is used again (and validated again). Real server, real TLS, a client that
 * resumes sessions as an HTTPS client library does.
 */
import { Agent } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Issued, createCa, createLeaf } from '../support/pki.ts';
import { type TestServer, startTestServer } from '../support/test-server.ts';
import { certificateThumbprintOf, tokenOnNewConnection } from '../support/new-connection-token.ts';

let server: TestServer;
let root: Issued;
let intermediate: Issued;
let leaf: Issued;

beforeAll(async () => {
  root = await createCa({ subject: 'CN=Resumption Root' });
  intermediate = await createCa({ subject: 'CN=Resumption Issuing CA', issuer: root });
  leaf = await createLeaf({ issuer: intermediate, subject: 'CN=resuming-client,O=Acme' });
  server = await startTestServer({
    files: { 'anchors.pem': root.certPem },
    toml: `
[oauth.grant_type.client_credentials]
grant_handler = "tessera.mtls.binding.ClientCredentialsGrantHandler"

[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[oauth.mutualtls]
trust_anchors = "anchors.pem"
`,
  });
  await server.createClient({
    clientId: 'resuming',
    tokenEndpointAuthMethod: 'tls_client_auth',
    tlsClientAuthSubjectDn: 'CN=resuming-client,O=Acme',
    tlsClientCertificateBoundAccessTokens: true,
    accessTokenFormat: 'jwt',
  });
});
afterAll(() => server?.dispose());

describe('tls_client_auth on resumed TLS sessions', () => {
  it('authenticates a client whose intermediate was sent only in the full handshake', async () => {
    const agent = new Agent({ keepAlive: false, rejectUnauthorized: false, cert: leaf.certPem + intermediate.certPem, key: leaf.keyPem, maxCachedSessions: 10 });
    try {
      const next = () => tokenOnNewConnection(server.url, agent, 'resuming');
      const results = [await next(), await next(), await next()];
      expect(results.map((r) => r.resumed)).toEqual([false, true, true]);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      // The server reads the leaf with a different call on a resumed session: the same bytes.
      const thumbprint = certificateThumbprintOf(leaf.certPem);
      expect(results.map((r) => r.boundTo)).toEqual([thumbprint, thumbprint, thumbprint]);
    } finally {
      agent.destroy();
    }
  });
});
