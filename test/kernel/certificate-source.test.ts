import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDropins } from '../support/fixture-bundles.ts';
import { call, closeClients } from '../support/https-client.ts';
import { createCa, createLeaf, thumbprintOf, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const SECRET = 'fixture-secret-0123456789abcdef';
const HEADER = 'x-wso2-mtls-cert';

/** A grant handler wrapper that reports what the core certificate service saw. */
const echo = makeDropins([
  {
    name: 'echo',
    components: [{ kind: 'GrantHandler', name: 'fx.EchoCertificate', grantType: 'client_credentials' }],
    source: `
export function activate(ctx) {
  ctx.provide('GrantHandler', 'fx.EchoCertificate', ({ next }) => ({
    async handle(grant) {
      const seen = grant.request.clientCertificate;
      const response = await next.handle(grant);
      return { ...response, seen: { source: seen.certificate?.source ?? null, thumbprint: seen.certificate?.thumbprint ?? null, chain: seen.certificate?.chain.length ?? 0, problem: seen.problem }, address: { remote: grant.request.remoteAddress, client: grant.request.clientAddress } };
    },
  }));
}`,
  },
]);

function oneLinePem(issued: Issued): string {
  return issued.certPem.replace(/\r?\n/g, '');
}

describe('where the client certificate comes from', () => {
  let ca: Issued;
  let viaTls: Issued;
  let viaHeader: Issued;
  let trusting: TestServer;
  let distrusting: TestServer;

  beforeAll(async () => {
    ca = await createCa();
    viaTls = await createLeaf({ issuer: ca, subject: 'CN=tls-client' });
    viaHeader = await createLeaf({ issuer: ca, subject: 'CN=header-client' });
    const toml = (proxies: string) => `
[oauth.grant_type.client_credentials]
grant_handler = "fx.EchoCertificate"

[oauth.mutualtls]
client_certificate_header = "${HEADER}"
max_certificate_bytes = 4096

[transport.http]
trusted_proxies = ${proxies}
`;
    trusting = await startTestServer({ dropinsDir: echo, toml: toml('["127.0.0.1"]') });
    distrusting = await startTestServer({ dropinsDir: echo, toml: toml('["10.0.0.0/8"]') });
    for (const s of [trusting, distrusting]) await s.createClient({ clientId: 'app', secret: SECRET });
  });
  afterAll(async () => {
    await closeClients();
    await trusting.dispose();
    await distrusting.dispose();
  });

  const token = (s: TestServer, extra: { headers?: Record<string, string>; cert?: string; key?: string } = {}) =>
    call(`${s.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET], ...extra });

  it('reads the certificate of the TLS handshake', async () => {
    const res = await token(trusting, { cert: viaTls.certPem, key: viaTls.keyPem });
    expect(res.status, res.text).toBe(200);
    expect(res.json.seen).toMatchObject({ source: 'tls', thumbprint: thumbprintOf(viaTls.der) });
  });

  it('reports no certificate when none was sent', async () => {
    const res = await token(trusting);
    expect(res.json.seen).toEqual({ source: null, thumbprint: null, chain: 0, problem: null });
  });

  it('reads the header (one-line PEM, as in the WSO2 guide) from a trusted proxy address', async () => {
    const res = await token(trusting, { headers: { [HEADER]: oneLinePem(viaHeader) } });
    expect(res.json.seen).toMatchObject({ source: 'header', thumbprint: thumbprintOf(viaHeader.der) });
  });

  it('prefers the trusted header over the proxy connection\'s own certificate', async () => {
    const res = await token(trusting, { cert: viaTls.certPem, key: viaTls.keyPem, headers: { [HEADER]: encodeURIComponent(viaHeader.certPem) } });
    expect(res.json.seen).toMatchObject({ source: 'header', thumbprint: thumbprintOf(viaHeader.der) });
  });

  it('carries intermediates sent in the header', async () => {
    const intermediate = await createCa({ issuer: ca, subject: 'CN=Intermediate' });
    const leaf = await createLeaf({ issuer: intermediate, subject: 'CN=chained' });
    const res = await token(trusting, { headers: { [HEADER]: encodeURIComponent(leaf.certPem + intermediate.certPem) } });
    expect(res.json.seen).toMatchObject({ source: 'header', thumbprint: thumbprintOf(leaf.der), chain: 1 });
  });

  it('ignores (and logs) the header from an untrusted address, keeping the TLS certificate', async () => {
    const res = await token(distrusting, { cert: viaTls.certPem, key: viaTls.keyPem, headers: { [HEADER]: oneLinePem(viaHeader) } });
    expect(res.json.seen).toMatchObject({ source: 'tls', thumbprint: thumbprintOf(viaTls.der) });
    expect(distrusting.logs.some((l) => l.includes('untrusted address ignored'))).toBe(true);
  });

  it('ignores a spoofed header from an untrusted address when no TLS certificate was sent', async () => {
    const res = await token(distrusting, { headers: { [HEADER]: oneLinePem(viaHeader) } });
    expect(res.json.seen).toEqual({ source: null, thumbprint: null, chain: 0, problem: null });
  });

  it('takes the client address from X-Forwarded-For only from a trusted proxy, never a client-written entry', async () => {
    // The client wrote 198.51.100.9; the proxy (127.0.0.1) appended the address it saw, 203.0.113.7.
    const forwarded = { 'x-forwarded-for': '198.51.100.9, 203.0.113.7' };
    expect((await token(trusting, { headers: forwarded })).json.address).toEqual({ remote: '127.0.0.1', client: '203.0.113.7' });
    expect((await token(distrusting, { headers: forwarded })).json.address).toEqual({ remote: '127.0.0.1', client: '127.0.0.1' });
    expect((await token(trusting)).json.address).toEqual({ remote: '127.0.0.1', client: '127.0.0.1' });
  });

  it.each([
    ['garbage', 'not a certificate at all'],
    ['truncated PEM', '-----BEGIN CERTIFICATE-----MIID3TCCAsWgAwIBAgIUJQW8iwYsAbyjc'],
    ['oversized', 'A'.repeat(8_000)],
  ])('turns a %s header into "no usable certificate" with a reason, never a 500', async (_name, value) => {
    const res = await token(trusting, { headers: { [HEADER]: value } });
    expect(res.status).toBe(200);
    expect(res.json.seen.source).toBeNull();
    expect(res.json.seen.problem).toMatch(/^certificate header: /);
  });

  it('answers a header section over [limits] max_header_bytes with 431, not a 500', async () => {
    const res = await token(trusting, { headers: { [HEADER]: 'A'.repeat(20_000) } });
    expect(res.status).toBe(431);
  });
});
