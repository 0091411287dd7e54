/**
 * The forwarded client-certificate header over HTTPS, from a trusted proxy address, with the
 * mutual-TLS authenticator switched on: every encoding proxies use (one-line, multi-line and
 * URL-encoded PEM, base64 DER), truncated anywhere, padded past the limits, re-encoded, mixed with
 * other PEM labels, and raw bytes no proxy would send. 200 only for an intact encoding of the
 * registered certificate; otherwise 401 invalid_client (431 past the header limit) — never a 500,
 * never a hang. (The parser's own never-throws properties are in test/transport.)
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificateHeader } from '../../core/transport/certificate-header.ts';
import { createSelfSigned, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectHealthy, expectJsonRefusal, expectNoErrorLogs, expectNoServerError, hostileText, rawRequest, runs, send } from './kit.ts';

const HEADER = 'x-client-cert';
const MAX_CERT_BYTES = 8192;

describe('the certificate header over HTTPS', () => {
  let registered: Issued;
  let stranger: Issued;
  let server: TestServer;
  let encodings: Record<string, string>;

  beforeAll(async () => {
    registered = await createSelfSigned({ subject: 'CN=header-fuzz', keyAlg: 'RSA' });
    stranger = await createSelfSigned({ subject: 'CN=stranger' });
    server = await startTestServer({
      toml: `
[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[oauth.mutualtls]
client_certificate_header = "${HEADER}"
max_certificate_bytes = ${MAX_CERT_BYTES}

[logging]
level = "info"
`,
    });
    await server.createClient({ clientId: 'self', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [registered.certPem] });
    const pem = registered.certPem.trim();
    encodings = {
      oneLine: pem.replace(/\n/g, ''),
      spaces: pem.replace(/\n/g, ' '),
      tabs: pem.replace(/\n/g, '\t'),
      urlEncoded: encodeURIComponent(`${pem}\n`),
      base64Der: Buffer.from(registered.der).toString('base64'),
    };
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  const token = (value: string) => send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: 'self' }, headers: { [HEADER]: value } });

  it('accepts every intact encoding (the control)', async () => {
    for (const value of Object.values(encodings)) expect((await token(value)).status, value.slice(0, 40)).toBe(200);
  });

  it('refuses truncated, re-encoded, padded and mixed values with 401 invalid_client', async () => {
    const anyEncoding = fc.constantFrom(...Object.keys(encodings));
    const value = fc.oneof(
      fc.tuple(anyEncoding, fc.nat()).map(([k, n]) => encodings[k].slice(0, n % encodings[k].length)),
      fc.tuple(anyEncoding, fc.nat(), fc.constantFrom('A', '%', '=', '-', ' ', '%0A', '-----END CERTIFICATE-----')).map(([k, n, c]) => {
        const v = encodings[k];
        const i = n % v.length;
        return v.slice(0, i) + c + v.slice(i + 1);
      }),
      anyEncoding.map((k) => encodeURIComponent(encodings[k])), // URL-encoded (twice for urlEncoded)
      fc.constantFrom(
        encodings.oneLine.replace('CERTIFICATE', 'PRIVATE KEY'),
        `${encodings.oneLine}${encodings.oneLine.slice(0, 100)}`,
        `junk${encodings.oneLine}`,
        encodings.urlEncoded.toLowerCase(),
        stranger.certPem.replace(/\n/g, ''),
        `${stranger.certPem}${registered.certPem}`.replace(/\n/g, ''),
        Buffer.from(registered.certPem).toString('base64'),
        `${encodings.base64Der}AA==`,
        '%',
        '%E0%A4%A',
        '-----BEGIN CERTIFICATE-----',
      ),
      fc.stringMatching(/^[A-Za-z0-9+/= %-]{1,3000}$/),
      hostileText(3000).filter((s) => /^[\t\x20-\x7e\x80-\xff]*$/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const res = await token(v);
        // The oracle: what the header holds once decoded (whitespace around a header value is not
        // part of it, RFC 9110 §5.5). Only the registered certificate itself may authenticate.
        const parsed = parseCertificateHeader(v.trim(), MAX_CERT_BYTES);
        const intact = 'ders' in parsed && Buffer.from(parsed.ders[0]).equals(Buffer.from(registered.der));
        if (intact) {
          expect(res.status, res.text).toBe(200);
          return;
        }
        expectJsonRefusal(res, [401]);
        expect(res.json.error).toBe('invalid_client');
      }),
      runs(80, 10),
    );
  });

  it('refuses a value over max_certificate_bytes before decoding it, and answers 431 past max_header_bytes', async () => {
    const over = `${encodings.base64Der}${'A'.repeat(MAX_CERT_BYTES)}`.slice(0, MAX_CERT_BYTES + 1);
    expectJsonRefusal(await token(over), [401]);
    const reason = server.logs.filter((l) => l.includes('client.authentication.failed')).at(-1) ?? '';
    expect(reason).toContain('certificate header: header too large');
    const huge = await token('A'.repeat(40_000));
    expect(huge.status).toBe(431);
  });

  it('refuses the header sent twice', async () => {
    const host = new URL(server.url).host;
    const head = `POST /oauth2/token HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\n${HEADER}: ${encodings.oneLine}\r\n${HEADER}: ${encodings.oneLine}\r\n`;
    const res = await rawRequest(server.url, head, 'grant_type=client_credentials&client_id=self');
    expect(res.status, res.text).toBe(401);
  });

  it('answers raw bytes in the header without a 500', async () => {
    const host = new URL(server.url).host;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 6000 }), async (bytes) => {
        const value = Buffer.from(bytes.filter((b) => b !== 0x0d && b !== 0x0a));
        const head = Buffer.concat([Buffer.from(`POST /oauth2/token HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\n${HEADER}: `, 'latin1'), value, Buffer.from('\r\n', 'latin1')]);
        const res = await rawRequest(server.url, head, 'grant_type=client_credentials&client_id=self');
        expect(res.status, res.text.slice(0, 200)).toBeGreaterThan(0);
        expectNoServerError(res);
        expect(res.status).not.toBe(200);
      }),
      runs(60, 10),
    );
  });

  it('still answers /health; nothing unexpected was logged', async () => {
    await expectHealthy(server.url);
    expectNoErrorLogs(server.logs);
  });
});
