/**
 * The certificate limits, end to end: `[oauth.mutualtls] max_certificate_bytes` at its exact boundary
 * (the limit itself is read, one byte more is refused before decoding), `[limits] max_chain_depth`
 * for a chain forwarded by a proxy (within: accepted; one deeper: refused), more intermediates than
 * the core keeps from a header, and `[limits] max_certificates_per_client` on updates (PUT and
 * PATCH), not only on registration. (jwks_uri size, redirects and timeout: the bundle's
 * jwks-uri.test.ts; the document's certificate count: fuzz-jwks-uri.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { createCa, createLeaf, createSelfSigned, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectJsonRefusal, send } from './kit.ts';

const HEADER = 'x-client-cert';
const MAX_CERT_BYTES = 12000;
const MAX_DEPTH = 3;
const MAX_CERTS = 2;

describe('certificate limits', () => {
  let root: Issued;
  let selfSigned: Issued;
  let server: TestServer;

  beforeAll(async () => {
    root = await createCa({ subject: 'CN=Limits Root' });
    selfSigned = await createSelfSigned({ subject: 'CN=limits-self' });
    server = await startTestServer({
      mount: adminRoutes,
      files: { 'anchors.pem': root.certPem },
      toml: `
[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[oauth.mutualtls]
client_certificate_header = "${HEADER}"
trust_anchors = "anchors.pem"
max_certificate_bytes = ${MAX_CERT_BYTES}

[limits]
max_chain_depth = ${MAX_DEPTH}
max_certificates_per_client = ${MAX_CERTS}
max_header_bytes = 65536

[logging]
level = "info"
`,
    });
    await server.createClient({ clientId: 'self', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [selfSigned.certPem] });
    await server.createClient({ clientId: 'pki', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=deep client' });
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  const token = (clientId: string, value: string) => send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: clientId }, headers: { [HEADER]: value } });
  const lastReason = (clientId: string) =>
    server.logs.filter((l) => l.includes('client.authentication.failed') && l.includes(`"clientId":"${clientId}"`)).map((l) => JSON.parse(l).audit.reason as string).at(-1);

  it('max_certificate_bytes: a header of exactly the limit is read, one byte more is refused', async () => {
    // Spaces inside a one-line PEM body are layout (proxies fold lines): pad with them to the size wanted.
    const pem = selfSigned.certPem.trim().replace(/\n/g, '');
    const [begin, body, end] = ['-----BEGIN CERTIFICATE-----', pem.slice(27, -25), '-----END CERTIFICATE-----'];
    expect(`${begin}${body}${end}`).toBe(pem);
    const exact = `${begin}${body}${' '.repeat(MAX_CERT_BYTES - pem.length)}${end}`;
    expect(Buffer.byteLength(exact)).toBe(MAX_CERT_BYTES);
    expect((await token('self', exact)).status).toBe(200);
    const over = `${begin}${body}${' '.repeat(MAX_CERT_BYTES - pem.length + 1)}${end}`;
    expectJsonRefusal(await token('self', over), [401]);
    expect(lastReason('self')).toBe('certificate header: header too large');
  });

  it('max_chain_depth applies to a forwarded chain: within the limit accepted, one deeper refused', async () => {
    const chainOf = async (intermediates: number) => {
      const cas: Issued[] = [];
      let issuer = root;
      for (let i = 0; i < intermediates; i++) {
        issuer = await createCa({ subject: `CN=Depth ${intermediates}.${i}`, issuer });
        cas.push(issuer);
      }
      const leaf = await createLeaf({ issuer, subject: 'CN=deep client' });
      return encodeURIComponent([leaf, ...cas.reverse()].map((c) => c.certPem).join(''));
    };
    // Certificates above the leaf: the intermediates plus the root anchor.
    expect((await token('pki', await chainOf(MAX_DEPTH - 1))).status).toBe(200);
    expectJsonRefusal(await token('pki', await chainOf(MAX_DEPTH)), [401]);
    expect(lastReason('pki')).toBe('untrusted chain (longer than [limits] max_chain_depth)');
  });

  it('a header forwarding a pile of intermediates is cut short and refused quickly', async () => {
    const pile = await Promise.all(Array.from({ length: 14 }, (_, i) => createCa({ subject: `CN=Pile ${i}`, issuer: root })));
    const leaf = await createLeaf({ issuer: pile[13], subject: 'CN=deep client' });
    const res = await token('pki', encodeURIComponent([leaf, ...pile].map((c) => c.certPem).join('')));
    expect(res.ms).toBeLessThan(10_000);
    expectJsonRefusal(res, [401]);
  });

  it('max_certificates_per_client holds on PUT and PATCH too', async () => {
    const extra = await Promise.all([1, 2, 3].map((i) => createSelfSigned({ subject: `CN=extra ${i}` })));
    const admin = (method: string, path: string, body: unknown) =>
      send(`${server.url}/api/admin/default/clients${path}`, { method, basic: ['admin', 'admin'], headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const base = { token_endpoint_auth_method: 'self_signed_tls_client_auth', grant_types: ['client_credentials'] };
    expect((await admin('POST', '', { ...base, client_id: 'rotating', certificate: [extra[0].certPem] })).status).toBe(201);
    for (const [method, body] of [
      ['PUT', { ...base, certificate: extra.map((c) => c.certPem) }],
      ['PATCH', { certificate: extra.map((c) => c.certPem) }],
      ['PATCH', { jwks: { keys: extra.map((c) => ({ kty: 'EC', x5c: [Buffer.from(c.der).toString('base64')] })) }, certificate: [] }],
    ] as const) {
      const res = await admin(method, '/rotating', body);
      expectJsonRefusal(res, [400]);
      expect(res.json.error_description).toContain('max_certificates_per_client');
    }
    // At the limit is fine (rotation: old and new side by side).
    expect((await admin('PATCH', '/rotating', { certificate: extra.slice(0, MAX_CERTS).map((c) => c.certPem) })).status).toBe(200);
  });
});
