/**
 * `tls_client_auth_subject_dn` strings (RFC 4514) are client metadata, typed by an operator or sent
 * to the admin API: registration answers 201 or 400 invalid_client_metadata, never a 500; a client
 * registered (even past validation, straight into the store) with any DN string is authenticated
 * by a real certificate over TLS exactly when the DN equals the certificate's subject, else 401 —
 * and large or pathological strings are handled in bounded time. (parseDn's own never-throws
 * property is in the bundle's tests.)
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { certificateSubjectDn, dnEquals, dnMatchesCertificate, parseDn } from '../../core/x509/distinguished-name.ts';
import { createCa, createLeaf, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectHealthy, expectJsonRefusal, expectNoErrorLogs, hostileText, runs, send } from './kit.ts';

const SUBJECT = 'CN=Dn Fuzz Client,OU=Payments+O=Acme\\, Inc.,C=DE';

/** DN-shaped text: real attribute names, separators, escapes, quotes, hex, and their misuse. */
const dnText = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom('CN', 'cn', 'O', 'OU', 'C', 'DC', 'UID', 'E', 'emailAddress', 'SERIALNUMBER', '2.5.4.3', 'OID.2.5.4.10', '0.9', 'X', ''), hostileText(8)),
        fc.oneof(fc.constantFrom('Dn Fuzz Client', 'Acme\\, Inc.', 'DE', 'Payments', '#0c0141', '#130344', '#', '"quoted, value"', '\\', '\\2', '\\zz', ' ', '\\ '), hostileText(40)),
        fc.constantFrom(',', '+', ';', ', ', ' + ', ''),
      ),
      { maxLength: 6 },
    )
    .map((parts) => parts.map(([t, v, sep]) => `${t}=${v}${sep}`).join('')),
  fc.constantFrom(SUBJECT, SUBJECT.toLowerCase(), `${SUBJECT} `, ` ${SUBJECT}`, SUBJECT.replace(/,/g, ';'), 'C=DE,O=Acme\\, Inc.+OU=Payments,CN=Dn Fuzz Client', 'CN=Dn Fuzz Client'),
  hostileText(300),
);

describe('distinguished-name strings', () => {
  let ca: Issued;
  let client: Issued;
  let server: TestServer;
  let seq = 0;

  beforeAll(async () => {
    ca = await createCa({ subject: 'CN=Dn Fuzz CA' });
    client = await createLeaf({ issuer: ca, subject: SUBJECT });
    server = await startTestServer({
      mount: adminRoutes,
      files: { 'anchors.pem': ca.certPem },
      toml: `
[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[oauth.mutualtls]
trust_anchors = "anchors.pem"

[logging]
level = "info"
`,
    });
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  it('matching a certificate agrees with comparing its printed subject, and stays fast on huge strings (pure)', () => {
    const printed = certificateSubjectDn(client.der);
    fc.assert(
      fc.property(dnText, (dn) => {
        expect(dnMatchesCertificate(dn, client.der)).toBe(dn.trim() !== '' && dnEquals(dn, printed));
      }),
      runs(1000, 5),
    );
    for (const huge of [`CN=${'a'.repeat(200_000)}`, Array.from({ length: 20_000 }, (_, i) => `OU=u${i}`).join(','), `CN=${'\\41'.repeat(50_000)}`, `CN=#${'0c'.repeat(1)}${'41'.repeat(1)}${',CN=x'.repeat(10_000)}`, '+'.repeat(100_000), `${'CN=a+'.repeat(20_000)}CN=a`]) {
      const began = performance.now();
      expect(dnMatchesCertificate(huge, client.der)).toBe(false);
      try {
        parseDn(huge);
      } catch {
        // refusing is fine; taking long is not
      }
      expect(performance.now() - began, huge.slice(0, 30)).toBeLessThan(3000);
    }
  });

  it('the admin API answers any DN with 201 or 400 invalid_client_metadata', async () => {
    await fc.assert(
      fc.asyncProperty(dnText, async (dn) => {
        const res = await send(`${server.url}/api/admin/default/clients`, {
          method: 'POST',
          basic: ['admin', 'admin'],
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_id: `dn-admin-${++seq}`, token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: dn, grant_types: ['client_credentials'] }),
        });
        if (res.status === 201) {
          let parsed = false;
          try {
            parsed = parseDn(dn).length > 0;
          } catch {
            parsed = false;
          }
          expect(parsed, dn).toBe(true);
        } else {
          expectJsonRefusal(res, [400]);
          expect(res.json.error).toBe('invalid_client_metadata');
        }
      }),
      runs(60, 10),
    );
  });

  it('a client registered with any DN string gets in with the real certificate exactly when the DN is its subject', async () => {
    const printed = certificateSubjectDn(client.der);
    await fc.assert(
      fc.asyncProperty(dnText, async (dn) => {
        const clientId = `dn-store-${++seq}`;
        // Straight into the store: what validation would have refused must still be handled.
        await server.createClient({ clientId, tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: dn, grantTypes: ['client_credentials'] });
        const res = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: clientId }, cert: client.certPem, key: client.keyPem });
        expect(res.ms).toBeLessThan(10_000);
        if (dnEquals(dn, printed) && dn.trim() !== '') expect(res.status, res.text).toBe(200);
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
