/**
 * `POST /api/admin/certificate-info` reads whatever an administrator pastes. Pure properties feed its
 * readers (the certificate summary and the SAN reader) mutated real certificates and random DER: they
 * answer or throw, and the SAN reader throws nothing but DerError. Over HTTPS, mutated and
 * certificate-shaped PEM ends in 200 or 400 invalid_request within the deadline, never a 500, and
 * the server logs no error.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { DerError } from '../../core/x509/der.ts';
import { summarizeCertificate } from '../../core/x509/certificate-summary.ts';
import { subjectAltNameTexts } from '../../core/x509/subject-alternative-names.ts';
import { createCa, createLeaf, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectHealthy, expectJsonRefusal, expectNoErrorLogs, runs, send } from './kit.ts';
import { certificateShaped, mutatedDer, pemOf } from './x509-kit.ts';

describe('certificate-info under hostile input', () => {
  let leaf: Issued;
  let server: TestServer;
  beforeAll(async () => {
    const ca = await createCa();
    leaf = await createLeaf({ issuer: ca, subject: 'CN=fuzz,O=Example', san: { dns: ['a.example'], ip: ['192.0.2.1', '2001:db8::7'], uri: ['urn:x'], email: ['a@example.com'] } });
    server = await startTestServer({ mount: adminRoutes, toml: '[logging]\nlevel = "info"\n' });
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  it('the SAN reader answers or throws DerError; the summary answers or throws', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedDer(leaf.der), certificateShaped), (der) => {
        try {
          const sans = subjectAltNameTexts(der);
          for (const list of Object.values(sans)) expect(Array.isArray(list)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(DerError);
        }
        try {
          const summary = summarizeCertificate(der);
          expect(typeof summary.subjectDn).toBe('string');
          expect(summary.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
        }
      }),
      runs(2000, 8),
    );
  });

  it('over HTTPS: 200 or 400 invalid_request, never a 500, and no error logged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedDer(leaf.der), certificateShaped), async (der) => {
        const res = await send(`${server.url}/api/admin/certificate-info`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ certificate: pemOf(der) }),
          basic: ['admin', 'admin'],
        });
        if (res.status === 200) expect(res.json.certificates).toHaveLength(1);
        else {
          expectJsonRefusal(res, [400]);
          expect(res.json.error).toBe('invalid_request');
        }
      }),
      runs(300, 8),
    );
    await expectHealthy(server.url);
    expectNoErrorLogs(server.logs);
  });
});
