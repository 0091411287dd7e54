/**
 * `[transport.https] clientAuth = "need"`: a connection without a client certificate is closed before
 * any request is read; one with a certificate is served, on full and resumed TLS sessions alike, and
 * the certificate the connection was checked with is the one its tokens are bound to. Real server,
 * real TLS, a client as an HTTPS library makes it.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Issued, createCa, createLeaf } from '../support/pki.ts';
import { type TestServer, startTestServer } from '../support/test-server.ts';

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

/** A token request on a new connection: the status and what the token is bound to, or the connection's error. */
function tokenOnNewConnection(agent: Agent): Promise<{ status: number; resumed: boolean; boundTo: unknown } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(`${server.url}/oauth2/token`, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const token = (JSON.parse(body) as { access_token?: string }).access_token;
        const boundTo = token ? (decodeJwt(token).cnf as Record<string, unknown> | undefined)?.['x5t#S256'] : undefined;
        resolve({ status: res.statusCode!, resumed: (req.socket as TLSSocket).isSessionReused(), boundTo });
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end('grant_type=client_credentials&client_id=needy');
  });
}

describe('clientAuth = "need"', () => {
  it('closes a connection that presents no client certificate', async () => {
    const agent = new Agent({ keepAlive: false, rejectUnauthorized: false });
    try {
      const result = await tokenOnNewConnection(agent);
      expect(result).toHaveProperty('error');
    } finally {
      agent.destroy();
    }
  });

  it('serves a client with a certificate on full and resumed sessions, binding its tokens to that certificate', async () => {
    const agent = new Agent({ keepAlive: false, rejectUnauthorized: false, cert: leaf.certPem, key: leaf.keyPem, maxCachedSessions: 10 });
    try {
      const results = [await tokenOnNewConnection(agent), await tokenOnNewConnection(agent), await tokenOnNewConnection(agent)];
      const thumbprint = createHash('sha256').update(new X509Certificate(leaf.certPem).raw).digest('base64url');
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
