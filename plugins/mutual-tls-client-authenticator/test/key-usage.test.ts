/**
 * RFC 5280 §4.2.1.3 (security review #15 item 4): a client certificate whose keyUsage lacks
 * digitalSignature (here critical and keyEncipherment only) cannot prove a TLS client. It used to
 * authenticate by tls_client_auth; now it is invalid_client with the reason in the audit log, from
 * the TLS handshake and from a trusted proxy's header alike, for both methods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients } from '../../../test/support/https-client.ts';
import { type Issued, createCa, createLeaf, createSelfSigned, x509 } from '../../../test/support/pki.ts';
import { type TestServer, startTestServer } from '../../../test/support/test-server.ts';
import { ENABLE, HEADER, expectRefused, expectToken, oneLinePem, token } from './mtls-kit.ts';

const REASON = 'certificate keyUsage does not allow digitalSignature (RFC 5280 4.2.1.3)';

describe('leaf keyUsage without digitalSignature', () => {
  let root: Issued;
  let encipherOnly: Issued;
  let signing: Issued;
  let selfEncipherOnly: Issued;
  let server: TestServer;

  beforeAll(async () => {
    root = await createCa({ subject: 'CN=Key Usage Test Root' });
    encipherOnly = await createLeaf({ issuer: root, subject: 'CN=encipher-only', keyAlg: 'RSA', keyUsages: x509.KeyUsageFlags.keyEncipherment });
    signing = await createLeaf({ issuer: root, subject: 'CN=signing', keyAlg: 'RSA' });
    selfEncipherOnly = await createSelfSigned({ subject: 'CN=self-encipher-only', keyAlg: 'RSA', keyUsages: x509.KeyUsageFlags.keyEncipherment });
    server = await startTestServer({
      files: { 'anchors.pem': root.certPem },
      toml: `${ENABLE}
[oauth.mutualtls]
client_certificate_header = "${HEADER}"
trust_anchors = "anchors.pem"
`,
    });
    await server.createClient({ clientId: 'encipher', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=encipher-only' });
    await server.createClient({ clientId: 'signing', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=signing' });
    await server.createClient({ clientId: 'self', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [selfEncipherOnly.certPem] });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('refuses it from the TLS handshake with invalid_client and the logged reason', async () => {
    expectRefused(server, await token(server, { clientId: 'encipher', as: encipherOnly }), 'encipher', REASON);
    expectRefused(server, await token(server, { clientId: 'self', as: selfEncipherOnly }), 'self', REASON);
  });

  it('refuses it from the forwarded-certificate header the same way', async () => {
    expectRefused(server, await token(server, { clientId: 'encipher', headers: { [HEADER]: oneLinePem(encipherOnly) } }), 'encipher', REASON);
    expectRefused(server, await token(server, { clientId: 'self', headers: { [HEADER]: oneLinePem(selfEncipherOnly) } }), 'self', REASON);
  });

  it('still authenticates a leaf whose keyUsage has digitalSignature', async () => {
    expectToken(await token(server, { clientId: 'signing', as: signing }));
    expectToken(await token(server, { clientId: 'signing', headers: { [HEADER]: oneLinePem(signing) } }));
    expect(server.logs.join('\n')).toContain(REASON);
  });
});
