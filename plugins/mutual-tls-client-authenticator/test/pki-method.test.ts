/**
 * `tls_client_auth` (RFC 8705 §2.1) end to end: real TLS to /oauth2/token with certificates made for
 * the test, trust anchors from deployment.toml, one registered subject value per client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../../core/api/model.ts';
import { closeClients } from '../../../test/support/https-client.ts';
import { type Issued, chainPem, createCa, createLeaf, thumbprintOf } from '../../../test/support/pki.ts';
import { type TestServer, startTestServer } from '../../../test/support/test-server.ts';
import { ENABLE, auditEvents, expectInvalidClient, expectRefused, expectToken, token } from './mtls-kit.ts';

const HOUR = 3_600_000;
const SUBJECT = 'CN=client-one,OU=Payments,O=Example Corp,C=GB';

describe('tls_client_auth (PKI)', () => {
  let root: Issued;
  let intermediate: Issued;
  let unknownCa: Issued;
  let leaf: Issued;
  let sanLeaf: Issued;
  let server: TestServer;

  const pkiClient = (clientId: string, fields: Partial<Client>) =>
    server.createClient({ clientId, tokenEndpointAuthMethod: 'tls_client_auth', ...fields });

  beforeAll(async () => {
    root = await createCa({ subject: 'CN=Test Root CA,O=Tessera Tests' });
    intermediate = await createCa({ subject: 'CN=Test Issuing CA,O=Tessera Tests', issuer: root });
    unknownCa = await createCa({ subject: 'CN=Test Root CA,O=Tessera Tests' }); // same name, other key
    leaf = await createLeaf({ issuer: root, subject: SUBJECT });
    sanLeaf = await createLeaf({
      issuer: root,
      subject: 'CN=san-client',
      san: { dns: ['client.example.com'], uri: ['spiffe://example.org/ns/payments/sa/client'], ip: ['192.0.2.10', '2001:db8::1'], email: ['client@example.com'] },
    });
    server = await startTestServer({
      files: { 'anchors.pem': root.certPem },
      toml: `${ENABLE}
[oauth.mutualtls]
trust_anchors = "anchors.pem"

[limits]
max_chain_depth = 2
`,
    });
    await pkiClient('dn-client', { tlsClientAuthSubjectDn: SUBJECT });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('issues a token to a client whose certificate chains to the anchor and carries the registered DN', async () => {
    const res = await token(server, { clientId: 'dn-client', as: leaf });
    expectToken(res);
    expect(auditEvents(server, 'dn-client').at(-1)).toMatchObject({
      type: 'client.authentication.succeeded',
      method: 'tls_client_auth',
      certificateThumbprint: thumbprintOf(leaf.der),
    });
  });

  describe('subject DN compared as RFC 4514 names, not strings', () => {
    it.each([
      ['spaces around separators', 'CN=client-one , OU=Payments,  O=Example Corp , C=GB'],
      ['lower-case attribute types', 'cn=client-one,ou=Payments,o=Example Corp,c=GB'],
      ['mixed-case attribute types and values', 'Cn=CLIENT-ONE,oU=payments,O=example corp,c=gb'],
      ['OIDs for attribute types', '2.5.4.3=client-one,2.5.4.11=Payments,2.5.4.10=Example Corp,2.5.4.6=GB'],
      ['insignificant inner spaces', 'CN=client-one,OU=Payments,O=Example   Corp,C=GB'],
    ])('matches with %s', async (name, registered) => {
      const clientId = `dn-${name.replace(/\W+/g, '-')}`;
      await pkiClient(clientId, { tlsClientAuthSubjectDn: registered });
      expectToken(await token(server, { clientId, as: leaf }));
    });

    it('matches an escaped comma in a value, written either way', async () => {
      const cert = await createLeaf({ issuer: root, subject: 'CN=Example\\, Inc.,O=Example' });
      await pkiClient('dn-comma', { tlsClientAuthSubjectDn: 'CN=Example\\, Inc.,O=Example' });
      await pkiClient('dn-comma-hex', { tlsClientAuthSubjectDn: 'cn=Example\\2C Inc., o=Example' });
      expectToken(await token(server, { clientId: 'dn-comma', as: cert }));
      expectToken(await token(server, { clientId: 'dn-comma-hex', as: cert }));
      // Unescaped, the comma splits the value: " Inc." is then an RDN without a type, not this name.
      await pkiClient('dn-comma-unescaped', { tlsClientAuthSubjectDn: 'CN=Example, Inc.,O=Example' });
      expectRefused(server, await token(server, { clientId: 'dn-comma-unescaped', as: cert }), 'dn-comma-unescaped', /not a valid RFC 4514 DN/);
      // And the value without its comma is another name.
      await pkiClient('dn-comma-dropped', { tlsClientAuthSubjectDn: 'CN=Example Inc.,O=Example' });
      expectRefused(server, await token(server, { clientId: 'dn-comma-dropped', as: cert }), 'dn-comma-dropped', 'subject DN mismatch');
    });

    it('matches a multi-valued RDN whatever the order of its attributes', async () => {
      const cert = await createLeaf({ issuer: root, subject: 'CN=multi+UID=42,O=Example' });
      await pkiClient('dn-multi', { tlsClientAuthSubjectDn: 'UID=42+CN=multi,O=Example' });
      expectToken(await token(server, { clientId: 'dn-multi', as: cert }));
      // The same attributes as two RDNs are another name.
      await pkiClient('dn-multi-split', { tlsClientAuthSubjectDn: 'CN=multi,UID=42,O=Example' });
      expectRefused(server, await token(server, { clientId: 'dn-multi-split', as: cert }), 'dn-multi-split', 'subject DN mismatch');
    });

    it.each([
      ['another OU', 'CN=client-one,OU=Treasury,O=Example Corp,C=GB'],
      ['the RDNs in ASN.1 order (as some tools print them)', 'C=GB,O=Example Corp,OU=Payments,CN=client-one'],
      ['an RDN missing', 'CN=client-one,O=Example Corp,C=GB'],
    ])('refuses %s as "subject DN mismatch"', async (name, registered) => {
      const clientId = `dn-mismatch-${name.replace(/\W+/g, '-')}`;
      await pkiClient(clientId, { tlsClientAuthSubjectDn: registered });
      expectRefused(server, await token(server, { clientId, as: leaf }), clientId, 'subject DN mismatch');
    });

    it('refuses a registered DN that does not parse, saying so in the log only', async () => {
      await pkiClient('dn-broken', { tlsClientAuthSubjectDn: 'CN=client-one,OU' });
      expectRefused(server, await token(server, { clientId: 'dn-broken', as: leaf }), 'dn-broken', /not a valid RFC 4514 DN/);
    });
  });

  describe('subject alternative names (exact, IP as bytes)', () => {
    it.each([
      ['dns', { tlsClientAuthSanDns: 'client.example.com' }],
      ['dns, upper case and trailing dot', { tlsClientAuthSanDns: 'CLIENT.Example.com.' }],
      ['uri', { tlsClientAuthSanUri: 'spiffe://example.org/ns/payments/sa/client' }],
      ['email', { tlsClientAuthSanEmail: 'client@example.com' }],
      ['email, domain in upper case', { tlsClientAuthSanEmail: 'client@EXAMPLE.COM' }],
      ['ip (IPv4)', { tlsClientAuthSanIp: '192.0.2.10' }],
      ['ip (IPv6, compressed)', { tlsClientAuthSanIp: '2001:db8::1' }],
      ['ip (IPv6, written in full)', { tlsClientAuthSanIp: '2001:0DB8:0000:0000:0000:0000:0000:0001' }],
    ] as [string, Partial<Client>][])('matches the registered %s', async (name, fields) => {
      const clientId = `san-${name.replace(/\W+/g, '-')}`;
      await pkiClient(clientId, fields);
      expectToken(await token(server, { clientId, as: sanLeaf }));
    });

    it.each([
      ['dns', { tlsClientAuthSanDns: 'other.example.com' }, 'SAN dns mismatch'],
      ['dns, no wildcard expansion', { tlsClientAuthSanDns: '*.example.com' }, 'SAN dns mismatch'],
      ['uri', { tlsClientAuthSanUri: 'spiffe://example.org/ns/payments/sa/other' }, 'SAN uri mismatch'],
      ['uri, case differs', { tlsClientAuthSanUri: 'SPIFFE://example.org/ns/payments/sa/client' }, 'SAN uri mismatch'],
      ['email', { tlsClientAuthSanEmail: 'other@example.com' }, 'SAN email mismatch'],
      ['email, local part case differs', { tlsClientAuthSanEmail: 'Client@example.com' }, 'SAN email mismatch'],
      ['ip', { tlsClientAuthSanIp: '192.0.2.11' }, 'SAN ip mismatch'],
      ['ip, IPv4-mapped IPv6 is not the IPv4 SAN', { tlsClientAuthSanIp: '::ffff:192.0.2.10' }, 'SAN ip mismatch'],
      ['dns, but the name is only in the subject CN', { tlsClientAuthSanDns: 'san-client' }, 'SAN dns mismatch'],
    ] as [string, Partial<Client>, string][])('refuses a mismatched %s', async (name, fields, reason) => {
      const clientId = `san-mismatch-${name.replace(/\W+/g, '-')}`;
      await pkiClient(clientId, fields);
      expectRefused(server, await token(server, { clientId, as: sanLeaf }), clientId, reason);
    });

    it('refuses a client with no subject value registered, or with several', async () => {
      await pkiClient('no-subject', {});
      expectRefused(server, await token(server, { clientId: 'no-subject', as: sanLeaf }), 'no-subject', /no tls_client_auth subject value registered/);
      await pkiClient('two-subjects', { tlsClientAuthSanDns: 'client.example.com', tlsClientAuthSanEmail: 'client@example.com' });
      expectRefused(server, await token(server, { clientId: 'two-subjects', as: sanLeaf }), 'two-subjects', /more than one tls_client_auth subject value/);
    });
  });

  describe('the chain', () => {
    it('accepts intermediates the client sends in the handshake', async () => {
      const chained = await createLeaf({ issuer: intermediate, subject: 'CN=chained-client,O=Example' });
      await pkiClient('chained', { tlsClientAuthSubjectDn: 'CN=chained-client,O=Example' });
      expectToken(await token(server, { clientId: 'chained', cert: chainPem(chained, intermediate), key: chained.keyPem }));
      // Without the intermediate there is no path to the anchor.
      expectRefused(server, await token(server, { clientId: 'chained', cert: chained.certPem, key: chained.keyPem }), 'chained', 'untrusted chain');
    });

    it('refuses a chain longer than [limits] max_chain_depth', async () => {
      const second = await createCa({ subject: 'CN=Second Issuing CA', issuer: intermediate });
      const deep = await createLeaf({ issuer: second, subject: 'CN=deep-client' });
      await pkiClient('deep', { tlsClientAuthSubjectDn: 'CN=deep-client' });
      const res = await token(server, { clientId: 'deep', cert: chainPem(deep, second, intermediate), key: deep.keyPem });
      expectRefused(server, res, 'deep', /^untrusted chain/);
      expect(auditEvents(server, 'deep').at(-1)?.reason).toContain('max_chain_depth');
    });

    it('refuses a certificate from an unknown CA, even one with the anchor\'s name', async () => {
      const stranger = await createLeaf({ issuer: unknownCa, subject: SUBJECT });
      expectRefused(server, await token(server, { clientId: 'dn-client', as: stranger }), 'dn-client', /^untrusted chain/);
    });

    it('refuses an expired certificate', async () => {
      const expired = await createLeaf({ issuer: root, subject: SUBJECT, notBefore: new Date(Date.now() - 48 * HOUR), notAfter: new Date(Date.now() - HOUR) });
      expectRefused(server, await token(server, { clientId: 'dn-client', as: expired }), 'dn-client', 'expired');
    });

    it('refuses a certificate that is not yet valid', async () => {
      const early = await createLeaf({ issuer: root, subject: SUBJECT, notBefore: new Date(Date.now() + HOUR), notAfter: new Date(Date.now() + 48 * HOUR) });
      expectRefused(server, await token(server, { clientId: 'dn-client', as: early }), 'dn-client', 'not yet valid');
    });

    it('refuses a CA certificate presented as the client certificate', async () => {
      const caLeaf = await createLeaf({ issuer: root, subject: SUBJECT, isCa: true });
      expectRefused(server, await token(server, { clientId: 'dn-client', as: caLeaf }), 'dn-client', 'leaf is a CA');
      // The intermediate CA itself, key and all, is no client either.
      await pkiClient('ca-as-client', { tlsClientAuthSubjectDn: 'CN=Test Issuing CA,O=Tessera Tests' });
      expectRefused(server, await token(server, { clientId: 'ca-as-client', as: intermediate }), 'ca-as-client', 'leaf is a CA');
    });

    it('refuses a certificate whose extendedKeyUsage is for TLS servers only', async () => {
      const serverCert = await createLeaf({ issuer: root, subject: 'CN=server-cert', serverAuth: true });
      await pkiClient('server-cert', { tlsClientAuthSubjectDn: 'CN=server-cert' });
      expectRefused(server, await token(server, { clientId: 'server-cert', as: serverCert }), 'server-cert', /extendedKeyUsage/);
    });
  });

  describe('who is authenticated', () => {
    it('refuses client_id of one client with another client\'s certificate', async () => {
      const other = await createLeaf({ issuer: root, subject: 'CN=client-two,OU=Payments,O=Example Corp,C=GB' });
      await pkiClient('client-two', { tlsClientAuthSubjectDn: 'CN=client-two,OU=Payments,O=Example Corp,C=GB' });
      expectToken(await token(server, { clientId: 'client-two', as: other }));
      expectRefused(server, await token(server, { clientId: 'dn-client', as: other }), 'dn-client', 'subject DN mismatch');
      expectRefused(server, await token(server, { clientId: 'client-two', as: leaf }), 'client-two', 'subject DN mismatch');
    });

    it('answers no certificate with 401 invalid_client and a WWW-Authenticate challenge', async () => {
      const res = await token(server, { clientId: 'dn-client' });
      expectRefused(server, res, 'dn-client', 'no certificate presented');
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
      expect(res.json.error_description).not.toContain('client-one');
    });

    it('never names the registered value in the response', async () => {
      const res = await token(server, { clientId: 'dn-client', as: sanLeaf });
      expectInvalidClient(res);
      expect(res.text).not.toMatch(/client-one|Payments|Example Corp|san-client/);
      expect(res.json).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    });

    it('refuses a client secret sent to a tls_client_auth client, with or without the certificate', async () => {
      await server.createClient({ clientId: 'pki-with-secret', secret: 'a-secret-0123456789', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: SUBJECT });
      expectInvalidClient(await token(server, { clientId: 'pki-with-secret', as: leaf, form: { client_secret: 'a-secret-0123456789' } }));
      expectInvalidClient(await token(server, { basic: ['pki-with-secret', 'a-secret-0123456789'] }));
    });

    it('requires client_id: a certificate alone identifies no client', async () => {
      const res = await token(server, { as: leaf });
      expectInvalidClient(res);
    });
  });
});

describe('tls_client_auth trust anchors from configuration', () => {
  let root: Issued;
  let leaf: Issued;

  beforeAll(async () => {
    root = await createCa({ subject: 'CN=Truststore Root' });
    leaf = await createLeaf({ issuer: root, subject: 'CN=truststore-client' });
  });
  afterAll(closeClients);

  it('falls back to [transport.https] truststore when trust_anchors is not set', async () => {
    const server = await startTestServer({
      files: { 'ca.pem': root.certPem },
      toml: `${ENABLE}
[transport.https]
truststore = "ca.pem"
`,
    });
    try {
      await server.createClient({ clientId: 'ts', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=truststore-client' });
      expectToken(await token(server, { clientId: 'ts', as: leaf }));
    } finally {
      await server.dispose();
    }
  });

  it('fails every attempt with "no trust anchors configured" when neither is set', async () => {
    const server = await startTestServer({ toml: ENABLE });
    try {
      await server.createClient({ clientId: 'no-anchors', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=truststore-client' });
      expectRefused(server, await token(server, { clientId: 'no-anchors', as: leaf }), 'no-anchors', 'no trust anchors configured');
      expect(server.logs.some((l) => l.includes('neither [oauth.mutualtls] trust_anchors nor [transport.https] truststore'))).toBe(true);
    } finally {
      await server.dispose();
    }
  });

  it('stops start-up when the anchors file holds something else than certificates', async () => {
    await expect(
      startTestServer({ files: { 'anchors.pem': 'not a certificate\n' }, toml: `${ENABLE}\n[oauth.mutualtls]\ntrust_anchors = "anchors.pem"\n` }),
    ).rejects.toThrow(/mutual-tls-client-authenticator.*trust_anchors/s);
  });
});
