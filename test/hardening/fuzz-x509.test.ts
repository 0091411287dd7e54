/**
 * X.509 through the mutual-TLS authenticator's code. Pure properties feed its two methods and its
 * DER readers random DER and mutated real certificates: the only failure they may report is
 * `invalid_client` (or their own DerError inside), never another exception. Over HTTPS, unusual but
 * well-formed certificates arrive through a trusted proxy's header — unknown SAN kinds, huge or
 * critical unknown extensions, thousands of SANs, odd string types, chains that loop, go deep or
 * multiply same-named issuers — and each ends in 200 or 401 within a time bound, never a 500.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, ClientCertificate } from '../../core/api/index.ts';
import { OAuthError } from '../../core/errors/oauth-errors.ts';
import { validateChain } from '../../plugins/mutual-tls-client-authenticator/src/chain-validation.ts';
import { readCertificateFields } from '../../core/x509/certificate-fields.ts';
import { validityProblem } from '../../plugins/mutual-tls-client-authenticator/src/certificate-validity.ts';
import { DerError } from '../../core/x509/der.ts';
import { certificateSubjectDn, dnMatchesCertificate } from '../../core/x509/distinguished-name.ts';
import { allowsClientAuthentication } from '../../plugins/mutual-tls-client-authenticator/src/extended-key-usage.ts';
import { JwksUriDocumentCache } from '../../core/jwks-uri/jwks-uri-cache.ts';
import { PkiMethod } from '../../plugins/mutual-tls-client-authenticator/src/pki-method.ts';
import { SelfSignedMethod } from '../../plugins/mutual-tls-client-authenticator/src/self-signed-method.ts';
import { certificateSans, sanDnsMatches, sanEmailMatches, sanIpMatches, sanUriMatches } from '../../plugins/mutual-tls-client-authenticator/src/subject-alternative-names.ts';
import { createTrustStore } from '../../plugins/mutual-tls-client-authenticator/src/trust-store.ts';
import { createCa, createLeaf, createSelfSigned, thumbprintOf, x509, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectHealthy, expectJsonRefusal, expectNoErrorLogs, runs, send } from './kit.ts';
import { base64Der, bulkyExtension, certificateShaped, craft, derTree, mutatedDer, pemOf } from './x509-kit.ts';
import { aClient } from '../support/client-builder.ts';
import { x509Service } from '../../core/plugins/x509-service.ts';
import { installX509 } from '../../plugins/mutual-tls-client-authenticator/src/x509.ts';

// The pure cases call the bundle's methods directly, without the activate() that installs this.
installX509(x509Service);

const HEADER = 'x-client-cert';

function clientRecord(fields: Partial<Client>): Client {
  return aClient({ clientId: 'fuzz', createdAt: 0, updatedAt: 0, ...fields });
}

const presented = (der: Uint8Array, chain: Uint8Array[] = []): ClientCertificate => ({ der, chain, source: 'header', thumbprint: thumbprintOf(der) });

describe('X.509 through the authenticator', () => {
  let root: Issued;
  let intermediate: Issued;
  let leaf: Issued;
  let selfSigned: Issued;
  let server: TestServer;

  beforeAll(async () => {
    root = await createCa({ subject: 'CN=Fuzz Root,O=Tessera' });
    intermediate = await createCa({ subject: 'CN=Fuzz Issuing,O=Tessera', issuer: root });
    leaf = await createLeaf({ issuer: intermediate, subject: 'CN=fuzz-client,O=Acme', san: { dns: ['client.example.com'], email: ['ops@example.com'], ip: ['192.0.2.7'], uri: ['spiffe://example.com/c'] } });
    selfSigned = await createSelfSigned({ subject: 'CN=fuzz-self' });
    server = await startTestServer({
      files: { 'anchors.pem': root.certPem },
      toml: `
[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[oauth.mutualtls]
client_certificate_header = "${HEADER}"
trust_anchors = "anchors.pem"
max_certificate_bytes = 400000

[limits]
max_header_bytes = 600000

[logging]
level = "info"
`,
    });
    await server.createClient({ clientId: 'pki-dn', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=fuzz-client,O=Acme' });
    await server.createClient({ clientId: 'pki-dns', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSanDns: 'client.example.com' });
    await server.createClient({ clientId: 'self', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [selfSigned.certPem] });
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  describe('pure: the methods and readers on random and mutated DER', () => {
    const anyDer = () => fc.oneof(fc.uint8Array({ maxLength: 400 }), derTree, certificateShaped, mutatedDer(leaf.der), mutatedDer(intermediate.der), mutatedDer(selfSigned.der));

    it('tls_client_auth refuses with invalid_client, and accepts only the real leaf', async () => {
      const pki = new PkiMethod({ anchors: createTrustStore([root.der]), maxChainDepth: 5, checkExtendedKeyUsage: true });
      const clients = [
        clientRecord({ tlsClientAuthSubjectDn: 'CN=fuzz-client,O=Acme' }),
        clientRecord({ tlsClientAuthSanDns: 'client.example.com' }),
        clientRecord({ tlsClientAuthSanIp: '192.0.2.7' }),
        clientRecord({ tlsClientAuthSanEmail: 'ops@example.com' }),
        clientRecord({ tlsClientAuthSanUri: 'spiffe://example.com/c' }),
      ];
      await fc.assert(
        fc.asyncProperty(anyDer(), fc.array(fc.oneof(anyDer(), fc.constant(intermediate.der)), { maxLength: 4 }), fc.constantFrom(...clients), async (der, chain, client) => {
          try {
            await pki.verify(client, presented(der, chain), 'tls_client_auth');
            // Accepted: it must be the leaf itself (a flip inside an unsigned byte cannot pass the signature).
            expect(Buffer.from(der).equals(Buffer.from(leaf.der))).toBe(true);
          } catch (err) {
            expect(OAuthError.is(err) && (err as OAuthError).error === 'invalid_client', String(err)).toBe(true);
          }
        }),
        runs(1000, 8),
      );
    });

    it('self_signed_tls_client_auth refuses with invalid_client, and accepts only the registered certificate', async () => {
      const method = new SelfSignedMethod({ jwksUri: new JwksUriDocumentCache(async () => ({ problem: 'offline' }), { cacheMs: 0, refetchIntervalMs: 0, maxKeys: 10 }), maxCertificates: 10 });
      const registered = fc.array(fc.oneof(fc.constant(selfSigned.certPem), anyDer().map(pemOf), fc.string({ maxLength: 200 })), { maxLength: 3 });
      await fc.assert(
        fc.asyncProperty(anyDer(), registered, async (der, certificates) => {
          try {
            await method.verify(clientRecord({ certificates, jwksUri: null }), presented(der));
            expect(certificates.some((pem) => pem === pemOf(der) || pem === selfSigned.certPem && Buffer.from(der).equals(Buffer.from(selfSigned.der)))).toBe(true);
          } catch (err) {
            expect(OAuthError.is(err) && (err as OAuthError).error === 'invalid_client', String(err)).toBe(true);
          }
        }),
        runs(1000, 8),
      );
    });

    it('the DER readers and matchers throw nothing but DerError, and the matchers only answer booleans', () => {
      fc.assert(
        fc.property(anyDer(), (der) => {
          for (const read of [readCertificateFields, certificateSans, certificateSubjectDn]) {
            try {
              read(der);
            } catch (err) {
              expect(err, String(err)).toBeInstanceOf(DerError);
            }
          }
          for (const match of [
            () => dnMatchesCertificate('CN=fuzz-client,O=Acme', der),
            () => sanDnsMatches('client.example.com', der),
            () => sanUriMatches('spiffe://example.com/c', der),
            () => sanEmailMatches('ops@example.com', der),
            () => sanIpMatches('192.0.2.7', der),
            () => allowsClientAuthentication(der),
          ]) {
            expect(typeof match()).toBe('boolean');
          }
          expect([null, 'expired', 'not_yet_valid', 'malformed']).toContain(validityProblem(der, new Date()));
        }),
        runs(1500, 8),
      );
    });

    it('chain validation ends quickly whatever certificates are presented, in any order and number', async () => {
      // Two CAs cross-signed both ways (a loop), same-named CAs with different keys, a deep chain.
      const a = await createCa({ subject: 'CN=Loop A' });
      const b = await createCa({ subject: 'CN=Loop B' });
      const aByB = await craft({ subject: 'CN=Loop A', issuer: b, keys: a.keys, isCa: true });
      const bByA = await craft({ subject: 'CN=Loop B', issuer: a, keys: b.keys, isCa: true });
      const twins = await Promise.all(Array.from({ length: 6 }, () => createCa({ subject: 'CN=Twin', issuer: root })));
      const pool = [a.der, b.der, aByB.der, bByA.der, ...twins.map((t) => t.der), intermediate.der, root.der];
      const underA = await createLeaf({ issuer: a, subject: 'CN=under-a' });
      const underTwin = await createLeaf({ issuer: twins[0], subject: 'CN=under-twin' });
      fc.assert(
        fc.property(fc.constantFrom(underA.der, underTwin.der, leaf.der), fc.array(fc.constantFrom(...pool), { maxLength: 16 }), fc.integer({ min: 1, max: 8 }), (start, chain, maxDepth) => {
          const began = performance.now();
          const result = validateChain({ leaf: start, presented: chain, trustAnchors: [root.der], now: new Date(), maxDepth });
          expect(performance.now() - began).toBeLessThan(2000);
          if (result.ok) expect(start === underTwin.der || start === leaf.der).toBe(true);
        }),
        runs(200, 12),
      );
    });
  });

  describe('over HTTPS, through a trusted proxy header', () => {
    const token = (clientId: string, headerValue: string) =>
      send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: clientId }, headers: { [HEADER]: headerValue } });

    async function expectOutcome(clientId: string, certs: Uint8Array[], ok: boolean) {
      const res = await token(clientId, encodeURIComponent(certs.map(pemOf).join('')));
      expect(res.ms, 'answer time').toBeLessThan(10_000);
      const reason = server.logs.filter((l) => l.includes('client.authentication.failed') && l.includes(`"clientId":"${clientId}"`)).at(-1);
      if (ok) expect(res.status, `${res.text} ${reason}`).toBe(200);
      else expectJsonRefusal(res, [401]);
    }

    it('unknown SAN kinds are skipped, the known one still matches', async () => {
      const sans: x509.JsonGeneralName[] = [
        { type: 'dn', value: 'CN=directory name,O=Acme' },
        { type: 'guid', value: '1b1e3ee0-4b5a-4e5c-9f1a-2c3d4e5f6a7b' },
        { type: 'upn', value: 'someone@example.com' },
        { type: 'id', value: '1.2.3.4.5' },
        { type: 'dns', value: 'client.example.com' },
      ];
      const mixed = await craft({ issuer: root, subject: 'CN=fuzz-client,O=Acme', sans });
      const unknownOnly = await craft({ issuer: root, subject: 'CN=other', sans: sans.slice(0, 4) });
      await expectOutcome('pki-dns', [mixed.der], true);
      await expectOutcome('pki-dn', [mixed.der], true);
      await expectOutcome('pki-dns', [unknownOnly.der], false);
    });

    it('a 100 KB unknown extension, and 3000 SANs, are read within the bound', async () => {
      const bulky = await craft({ issuer: root, subject: 'CN=fuzz-client,O=Acme', extensions: [bulkyExtension(100_000)] });
      await expectOutcome('pki-dn', [bulky.der], true);
      const many = await craft({ issuer: root, subject: 'CN=many', sans: [...Array.from({ length: 3000 }, (_, i) => ({ type: 'dns' as const, value: `n${i}.example.com` })), { type: 'dns', value: 'client.example.com' }] });
      await expectOutcome('pki-dns', [many.der], true);
    });

    it('a critical unknown extension is not a 500 (the chain check does not process critical extensions; see the report)', async () => {
      const critical = await craft({ issuer: root, subject: 'CN=fuzz-client,O=Acme', extensions: [bulkyExtension(16, true)] });
      const res = await token('pki-dn', encodeURIComponent(critical.certPem));
      expect([200, 401]).toContain(res.status);
    });

    it('odd subject encodings and 200 RDNs', async () => {
      const odd = new x509.Name([{ '2.5.4.3': [{ bmpString: 'fuzz-client' }] }, { '2.5.4.10': [{ universalString: 'Acme' } as never] }]);
      const deep = new x509.Name(Array.from({ length: 200 }, (_, i) => ({ '2.5.4.11': [{ utf8String: `unit ${i}` }] })));
      for (const subject of [odd, deep]) {
        const cert = await craft({ issuer: root, subject }).catch(() => null);
        if (!cert) continue; // the generator may refuse a string type: nothing to send then
        const res = await token('pki-dn', encodeURIComponent(cert.certPem));
        expect([200, 401], res.text).toContain(res.status);
      }
    });

    it('a chain deeper than the limit, a looping chain and a pile of same-named issuers end in 401, quickly', async () => {
      let issuer = root;
      const deep: Issued[] = [];
      for (let i = 0; i < 12; i++) {
        issuer = await createCa({ subject: `CN=Depth ${i}`, issuer });
        deep.push(issuer);
      }
      const deepLeaf = await createLeaf({ issuer, subject: 'CN=fuzz-client,O=Acme' });
      await expectOutcome('pki-dn', [deepLeaf.der, ...deep.reverse().map((c) => c.der)], false);

      const a = await createCa({ subject: 'CN=Cycle A' });
      const b = await createCa({ subject: 'CN=Cycle B' });
      const aByB = await craft({ subject: 'CN=Cycle A', issuer: b, keys: a.keys, isCa: true });
      const bByA = await craft({ subject: 'CN=Cycle B', issuer: a, keys: b.keys, isCa: true });
      const underA = await createLeaf({ issuer: a, subject: 'CN=fuzz-client,O=Acme' });
      await expectOutcome('pki-dn', [underA.der, aByB.der, bByA.der, a.der, b.der], false);

      const twins = await Promise.all(Array.from({ length: 10 }, () => createCa({ subject: 'CN=Twin' })));
      const underTwin = await createLeaf({ issuer: twins[0], subject: 'CN=fuzz-client,O=Acme' });
      await expectOutcome('pki-dn', [underTwin.der, ...twins.slice(1).map((t) => t.der), twins[0].der], false);
    });

    it('mutated certificates in the header: 200 only for an intact one, else 401', async () => {
      await fc.assert(
        fc.asyncProperty(mutatedDer(selfSigned.der), fc.constantFrom('pem', 'base64'), async (der, encoding) => {
          const value = encoding === 'pem' ? encodeURIComponent(pemOf(der)) : base64Der(der);
          const res = await token('self', value);
          if (res.status === 200) expect(Buffer.from(der).equals(Buffer.from(selfSigned.der))).toBe(true);
          else expectJsonRefusal(res, [401]);
        }),
        runs(60, 10),
      );
    });

    it('still answers /health; nothing unexpected was logged', async () => {
      await expectHealthy(server.url);
      expectNoErrorLogs(server.logs);
    });
  });
});
