/**
 * JWK Set documents from a client's `jwks_uri` are fetched from wherever the client registered:
 * random JSON, JWK Sets with hostile members (x5c that is not base64, not a certificate, not a
 * string; thousands of keys), text that is not JSON, deep nesting, odd status codes and redirects.
 * A `self_signed_tls_client_auth` client presenting its certificate over TLS gets in exactly when
 * the document lists that certificate (x5c[0] of one of the first [limits] max_certificates_per_client
 * keys), else 401 invalid_client — never a 500, never a hang.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwksCertificates } from '../../plugins/mutual-tls-client-authenticator/src/registered-certificates.ts';
import { createSelfSigned, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectHealthy, expectJsonRefusal, expectNoErrorLogs, hostileText, runs, send } from './kit.ts';
import { base64Der, derTree } from './x509-kit.ts';

const MAX_CERTS = 4;
const MAX_BYTES = 32768;

interface Served {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

describe('jwks_uri documents', () => {
  let presented: Issued;
  let other: Issued;
  let server: TestServer;
  let host: Server;
  let hostUrl: string;
  const documents = new Map<string, Served>();
  let seq = 0;

  beforeAll(async () => {
    presented = await createSelfSigned({ subject: 'CN=jwks-fuzz' });
    other = await createSelfSigned({ subject: 'CN=someone-else' });
    host = createServer((req, res) => {
      const doc = documents.get(req.url ?? '');
      if (!doc) return void res.writeHead(404).end();
      res.writeHead(doc.status, { 'content-type': 'application/json', ...doc.headers }).end(doc.body);
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    server = await startTestServer({
      toml: `
[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[limits]
max_certificates_per_client = ${MAX_CERTS}
jwks_uri_max_bytes = ${MAX_BYTES}
jwks_uri_timeout_ms = 3000

[plugins.mutual-tls-client-authenticator]
jwks_uri_cache_seconds = 0
jwks_uri_refetch_interval_seconds = 0

[logging]
level = "info"
`,
    });
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
    host.closeAllConnections();
    await new Promise((resolve) => host.close(resolve));
  });

  /** Built once the certificates exist (inside the tests, not at collection). */
  function arbitraries() {
    const mine = () => base64Der(presented.der);
    const x5cEntry = fc.oneof(
      fc.constant(mine()),
      fc.constant(base64Der(other.der)),
      derTree.map(base64Der),
      fc.constant(`${mine().slice(0, 40)}\n${mine().slice(40)}`), // folded, as some tools write it
      fc.constant(Buffer.from(presented.der).toString('base64url')),
      fc.constant(mine().slice(0, -4)),
      hostileText(60),
      fc.jsonValue({ maxDepth: 1 }),
    );
    const jwk = fc.oneof(
      fc.record({ kty: fc.constantFrom('EC', 'RSA', 'oct', ''), x5c: fc.oneof(fc.array(x5cEntry, { maxLength: 3 }), x5cEntry), use: fc.constantFrom('sig', 'enc'), kid: hostileText(20) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const documentText = fc.oneof(
      fc.array(jwk, { maxLength: 12 }).map((keys) => JSON.stringify({ keys })),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.constantFrom(
        `\ufeff${JSON.stringify({ keys: [{ x5c: [mine()] }] })}`,
        `${JSON.stringify({ keys: [{ x5c: [mine()] }] })} trailing`,
        `{"keys":[{"x5c":["${mine()}"]}],"keys":[]}`,
        `{"keys":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        JSON.stringify({ keys: Array.from({ length: 3000 }, () => ({ kty: 'EC' })) }),
        JSON.stringify({ keys: [...Array.from({ length: MAX_CERTS }, () => ({ x5c: [base64Der(other.der)] })), { x5c: [mine()] }] }),
        JSON.stringify({ keys: [{ x5c: [mine()] }], padding: 'x'.repeat(MAX_BYTES) }),
        '',
        'null',
        '<html>',
      ),
      hostileText(500),
    );
    const served = fc.oneof(
      { weight: 4, arbitrary: documentText.map((body): Served => ({ status: 200, body })) },
      fc.constantFrom(200, 204, 301, 302, 304, 400, 404, 429, 500, 503).chain((status) => documentText.map((body): Served => ({ status, body }))),
      fc.constantFrom<Served>(
        { status: 302, body: '', headers: { location: '/loop' } },
        { status: 302, body: '', headers: { location: 'http://jwks.example.com/x' } },
        { status: 302, body: '', headers: { location: 'file:///etc/passwd' } },
        { status: 302, body: '' },
        { status: 200, body: '{"keys":[]}', headers: { 'content-length': '999999' } },
      ),
    );
    return { documentText, served };
  }

  it('jwksCertificates takes what any JSON offers without throwing (pure)', () => {
    const { documentText } = arbitraries();
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), documentText.map((t) => { try { return JSON.parse(t); } catch { return t; } })), fc.integer({ min: 0, max: 20 }), (doc, limit) => {
        const ders = jwksCertificates(doc, limit);
        expect(ders.length).toBeLessThanOrEqual(limit);
      }),
      runs(500, 4),
    );
  });

  it('authenticates exactly when the document lists the certificate, else 401', async () => {
    const { served } = arbitraries();
    documents.set('/loop', { status: 302, body: '', headers: { location: '/loop' } });
    await fc.assert(
      fc.asyncProperty(served, async (doc) => {
        const path = `/doc-${++seq}`;
        documents.set(path, doc);
        const clientId = `jwks-${seq}`;
        await server.createClient({ clientId, tokenEndpointAuthMethod: 'self_signed_tls_client_auth', jwksUri: `${hostUrl}${path}`, grantTypes: ['client_credentials'] });
        const res = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: clientId }, cert: presented.certPem, key: presented.keyPem });
        expect(res.ms).toBeLessThan(10_000);
        let listed = false;
        if (doc.status === 200 && Buffer.byteLength(doc.body) <= MAX_BYTES && !doc.headers) {
          try {
            listed = jwksCertificates(JSON.parse(doc.body), MAX_CERTS).some((der) => Buffer.from(der).equals(Buffer.from(presented.der)));
          } catch {
            listed = false;
          }
        }
        if (listed) expect(res.status, `${doc.body.slice(0, 200)} → ${res.text}`).toBe(200);
        else expectJsonRefusal(res, [401]);
      }),
      runs(80, 15),
    );
  });

  it('still answers /health; nothing unexpected was logged', async () => {
    await expectHealthy(server.url);
    expectNoErrorLogs(server.logs);
  });
});
