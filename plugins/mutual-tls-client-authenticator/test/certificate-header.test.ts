/**
 * Behind a TLS-terminating proxy: the client certificate arrives in `[oauth.mutualtls]
 * client_certificate_header`, believed only from `[transport.http] trusted_proxies`. Every encoding
 * proxies use authenticates both methods; a header from anyone else is ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients } from '../../../test/support/https-client.ts';
import { type Issued, chainPem, createCa, createLeaf, createSelfSigned } from '../../../test/support/pki.ts';
import { type TestServer, startTestServer } from '../../../test/support/test-server.ts';
import { ENABLE, HEADER, expectRefused, expectToken, oneLinePem, token } from './mtls-kit.ts';

function base64Der(issued: Issued): string {
  return Buffer.from(issued.der).toString('base64');
}

const FORMATS: [string, (i: Issued) => string][] = [
  ['one-line PEM (the WSO2 guide)', oneLinePem],
  // HTTP/1.1 cannot carry line breaks in a header value (Node answers obs-fold with 400), so a
  // multi-line PEM reaches us with its line breaks turned into spaces or tabs.
  ['multi-line PEM, line breaks sent as spaces', (i) => i.certPem.trim().replace(/\n/g, ' ')],
  ['multi-line PEM, line breaks sent as tabs', (i) => i.certPem.trim().replace(/\n/g, '\t')],
  ['URL-encoded PEM (nginx $ssl_client_escaped_cert)', (i) => encodeURIComponent(i.certPem)],
  ['bare base64 DER', base64Der],
];

describe('client certificate from a trusted proxy header', () => {
  let root: Issued;
  let intermediate: Issued;
  let pkiLeaf: Issued;
  let chainedLeaf: Issued;
  let selfSigned: Issued;
  let server: TestServer;
  let untrusting: TestServer;

  const toml = (proxies: string) => `${ENABLE}
[oauth.mutualtls]
client_certificate_header = "${HEADER}"
trust_anchors = "anchors.pem"

[transport.http]
trusted_proxies = ${proxies}
`;

  beforeAll(async () => {
    root = await createCa({ subject: 'CN=Proxy Test Root' });
    intermediate = await createCa({ subject: 'CN=Proxy Test Issuing CA', issuer: root });
    pkiLeaf = await createLeaf({ issuer: root, subject: 'CN=pki-behind-proxy', san: { dns: ['pki.example.com'] } });
    chainedLeaf = await createLeaf({ issuer: intermediate, subject: 'CN=chained-behind-proxy' });
    selfSigned = await createSelfSigned({ subject: 'CN=self-signed-behind-proxy', keyAlg: 'RSA' });
    const files = { 'anchors.pem': root.certPem };
    // The test calls come from 127.0.0.1: trusted by the default list, untrusted by 10.0.0.0/8.
    server = await startTestServer({ files, toml: toml('["127.0.0.0/8", "::1/128"]') });
    untrusting = await startTestServer({ files, toml: toml('["10.0.0.0/8"]') });
    for (const s of [server, untrusting]) {
      await s.createClient({ clientId: 'pki', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSanDns: 'pki.example.com' });
      await s.createClient({ clientId: 'chained', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=chained-behind-proxy' });
      await s.createClient({ clientId: 'self', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [selfSigned.certPem] });
    }
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
    await untrusting.dispose();
  });

  describe.each(FORMATS)('%s', (_name, encode) => {
    it('authenticates a tls_client_auth client', async () => {
      expectToken(await token(server, { clientId: 'pki', headers: { [HEADER]: encode(pkiLeaf) } }));
    });

    it('authenticates a self_signed_tls_client_auth client', async () => {
      expectToken(await token(server, { clientId: 'self', headers: { [HEADER]: encode(selfSigned) } }));
    });

    it('still refuses the wrong certificate', async () => {
      expectRefused(server, await token(server, { clientId: 'self', headers: { [HEADER]: encode(pkiLeaf) } }), 'self', 'unknown certificate');
    });
  });

  it('takes intermediates forwarded after the leaf', async () => {
    const value = encodeURIComponent(chainPem(chainedLeaf, intermediate));
    expectToken(await token(server, { clientId: 'chained', headers: { [HEADER]: value } }));
    expectRefused(server, await token(server, { clientId: 'chained', headers: { [HEADER]: encodeURIComponent(chainedLeaf.certPem) } }), 'chained', 'untrusted chain');
  });

  it('prefers the forwarded certificate over the proxy\'s own TLS certificate', async () => {
    const proxyCert = await createLeaf({ issuer: root, subject: 'CN=the-proxy' });
    expectToken(await token(server, { clientId: 'self', as: proxyCert, headers: { [HEADER]: oneLinePem(selfSigned) } }));
  });

  it.each([
    ['garbage', 'not a certificate'],
    // Valid base64 in a PEM block, but cut short: not a certificate.
    ['truncated PEM', '-----BEGIN CERTIFICATE-----MIID3TCCAsWgAwIBAgIUJQW8iwYsAbyjc/oH-----END CERTIFICATE-----'],
    ['oversized', 'A'.repeat(15_000)],
  ])('refuses a %s header as invalid_client naming the problem in the log, never a 500', async (_name, value) => {
    const res = await token(server, { clientId: 'self', headers: { [HEADER]: value } });
    expectRefused(server, res, 'self', /^certificate header: /);
  });

  describe('from an untrusted address', () => {
    it('ignores a spoofed header: no certificate was presented', async () => {
      const res = await token(untrusting, { clientId: 'self', headers: { [HEADER]: oneLinePem(selfSigned) } });
      expectRefused(untrusting, res, 'self', 'no certificate presented');
      expect(untrusting.logs.some((l) => l.includes('certificate header from an untrusted address ignored'))).toBe(true);
    });

    it('ignores a spoofed header naming a PKI client\'s certificate', async () => {
      const res = await token(untrusting, { clientId: 'pki', headers: { [HEADER]: encodeURIComponent(pkiLeaf.certPem) } });
      expectRefused(untrusting, res, 'pki', 'no certificate presented');
    });

    it('authenticates by the TLS certificate of the connection instead of the header', async () => {
      expectToken(await token(untrusting, { clientId: 'self', as: selfSigned, headers: { [HEADER]: oneLinePem(pkiLeaf) } }));
      const res = await token(untrusting, { clientId: 'self', as: pkiLeaf, headers: { [HEADER]: oneLinePem(selfSigned) } });
      expectRefused(untrusting, res, 'self', 'unknown certificate');
    });
  });
});

