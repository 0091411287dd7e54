/**
 * `self_signed_tls_client_auth` with the certificate behind the client's `jwks_uri`, served by a tiny
 * HTTPS server in the test (its CA trusted through `jwks_uri_ca_file`): caching, rotation picked up by
 * a rate-limited re-fetch, and documents that are too large, too slow or redirected too often
 * failing cleanly as invalid_client.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../../core/time/clock.ts';
import { closeClients } from '../../../test/support/https-client.ts';
import { type Issued, createCa, createLeaf, createSelfSigned } from '../../../test/support/pki.ts';
import { type TestServer, startTestServer } from '../../../test/support/test-server.ts';
import { ENABLE, expectRefused, expectToken, token } from './mtls-kit.ts';

// Generous enough for a loaded machine's TLS handshakes; the slow routes answer far later still.
const TIMEOUT_MS = 1500;
const REFETCH_INTERVAL_S = 3;
const MAX_BYTES = 8192;

const jwkSet = (...certs: Issued[]) => ({ keys: certs.map((c) => ({ kty: 'RSA', use: 'sig', x5c: [Buffer.from(c.der).toString('base64')] })) });

/** The client's key server: paths to documents, with a hit counter per path. */
class JwksHost {
  readonly documents = new Map<string, unknown>();
  readonly hits = new Map<string, number>();

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    const redirect = /^\/redirect\/(\d+)$/.exec(path);
    if (redirect) {
      const left = Number(redirect[1]);
      res.writeHead(302, { location: left > 1 ? `/redirect/${left - 1}` : '/jwks' }).end();
    } else if (path === '/big') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [], padding: 'x'.repeat(MAX_BYTES * 2) }));
    } else if (path === '/big-chunked') {
      // No Content-Length: the cap must hold while reading.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[],"padding":"');
      for (let i = 0; i < 20; i++) res.write('x'.repeat(1024));
      res.end('"}');
    } else if (path === '/slow') {
      setTimeout(() => res.writeHead(200).end(JSON.stringify(this.documents.get('/jwks'))), TIMEOUT_MS * 4).unref();
    } else if (path === '/slow-body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":');
      setTimeout(() => res.end('[]}'), TIMEOUT_MS * 4).unref();
    } else if (path === '/not-json') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>');
    } else if (this.documents.has(path)) {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(this.documents.get(path)));
    } else {
      res.writeHead(404).end();
    }
  };

  hitCount(path: string): number {
    return this.hits.get(path) ?? 0;
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('self_signed_tls_client_auth with jwks_uri', () => {
  const host = new JwksHost();
  let tlsHost: Server;
  let plainHost: Server;
  let base: string;
  let plainBase: string;
  let dir: string;
  let server: TestServer;
  const clock = new TestClock();
  let first: Issued;
  let second: Issued;
  let stranger: Issued;

  beforeAll(async () => {
    const ca = await createCa({ subject: 'CN=JWKS Host CA' });
    const hostCert = await createLeaf({ issuer: ca, subject: 'CN=localhost', serverAuth: true });
    [first, second, stranger] = await Promise.all([
      createSelfSigned({ subject: 'CN=jwks-client', keyAlg: 'RSA' }),
      createSelfSigned({ subject: 'CN=jwks-client', keyAlg: 'EC' }),
      createSelfSigned({ subject: 'CN=jwks-client', keyAlg: 'EC' }),
    ]);
    tlsHost = createHttpsServer({ cert: hostCert.certPem, key: hostCert.keyPem }, host.handle);
    plainHost = createHttpServer(host.handle);
    base = `https://localhost:${await listen(tlsHost)}`;
    plainBase = `http://127.0.0.1:${await listen(plainHost)}`;

    dir = mkdtempSync(join(tmpdir(), 'tessera-jwks-'));
    const caFile = join(dir, 'jwks-host-ca.pem');
    writeFileSync(caFile, ca.certPem);
    server = await startTestServer({
      toml: `${ENABLE}
[limits]
jwks_uri_timeout_ms = ${TIMEOUT_MS}
jwks_uri_max_bytes = ${MAX_BYTES}

[plugins.mutual-tls-client-authenticator]
jwks_uri_ca_file = "${caFile}"
jwks_uri_refetch_interval_seconds = ${REFETCH_INTERVAL_S}
`,
      clock,
    });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
    tlsHost.closeAllConnections();
    plainHost.closeAllConnections();
    await new Promise((resolve) => tlsHost.close(resolve));
    await new Promise((resolve) => plainHost.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (clientId: string, jwksUri: string) => server.createClient({ clientId, tokenEndpointAuthMethod: 'self_signed_tls_client_auth', jwksUri });

  it('authenticates by a certificate in the fetched document, then serves it from the cache', async () => {
    host.documents.set('/cached', jwkSet(first));
    await client('cached', `${base}/cached`);
    expectToken(await token(server, { clientId: 'cached', as: first }));
    expectToken(await token(server, { clientId: 'cached', as: first }));
    expect(host.hitCount('/cached')).toBe(1);
  });

  it('picks up a rotated key by fetching again on an unknown certificate, at most once per interval', async () => {
    host.documents.set('/rotating', jwkSet(first));
    await client('rotating', `${base}/rotating`);
    expectToken(await token(server, { clientId: 'rotating', as: first }));
    expect(host.hitCount('/rotating')).toBe(1);

    // The client rotates: its document now holds the second certificate only.
    host.documents.set('/rotating', jwkSet(second));
    // Still cached: the old certificate works for the cache lifetime.
    expectToken(await token(server, { clientId: 'rotating', as: first }));
    // The new one is unknown to the cached document, and the last fetch was less than the interval ago.
    expectRefused(server, await token(server, { clientId: 'rotating', as: second }), 'rotating', 'unknown certificate');
    expect(host.hitCount('/rotating')).toBe(1);

    clock.advance(REFETCH_INTERVAL_S * 1000 + 100);
    expectToken(await token(server, { clientId: 'rotating', as: second }));
    expect(host.hitCount('/rotating')).toBe(2);
    // The rotated-out certificate is unknown now, and a stranger triggers no new fetch within the interval.
    expectRefused(server, await token(server, { clientId: 'rotating', as: first }), 'rotating', 'unknown certificate');
    expectRefused(server, await token(server, { clientId: 'rotating', as: stranger }), 'rotating', 'unknown certificate');
    expect(host.hitCount('/rotating')).toBe(2);
  });

  it('prefers the registered certificates and jwks: no fetch when one of them matches', async () => {
    host.documents.set('/unused', jwkSet(second));
    await server.createClient({ clientId: 'both', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [first.certPem], jwksUri: `${base}/unused` });
    expectToken(await token(server, { clientId: 'both', as: first }));
    expect(host.hitCount('/unused')).toBe(0);
    expectToken(await token(server, { clientId: 'both', as: second }));
    expect(host.hitCount('/unused')).toBe(1);
  });

  it('follows up to 3 redirects', async () => {
    host.documents.set('/jwks', jwkSet(first));
    await client('redirected', `${base}/redirect/3`);
    expectToken(await token(server, { clientId: 'redirected', as: first }));
  });

  it.each([
    ['more than 3 redirects', '/redirect/4', /^jwks_uri fetch failed: more than 3 redirects$/],
    ['a document over jwks_uri_max_bytes', '/big', new RegExp(`^jwks_uri fetch failed: document larger than ${MAX_BYTES} bytes$`)],
    ['a chunked document over jwks_uri_max_bytes', '/big-chunked', new RegExp(`^jwks_uri fetch failed: document larger than ${MAX_BYTES} bytes$`)],
    ['a server slower than jwks_uri_timeout_ms', '/slow', new RegExp(`^jwks_uri fetch failed: no complete answer within ${TIMEOUT_MS} ms$`)],
    ['a body slower than jwks_uri_timeout_ms', '/slow-body', new RegExp(`^jwks_uri fetch failed: no complete answer within ${TIMEOUT_MS} ms$`)],
    ['a document that is not JSON', '/not-json', /^jwks_uri fetch failed: document is not JSON$/],
    ['a 404', '/missing', /^jwks_uri fetch failed: HTTP 404$/],
  ])('fails cleanly on %s: 401 invalid_client, the reason in the log', async (name, path, reason) => {
    const clientId = `fail-${name.replace(/\W+/g, '-')}`;
    await client(clientId, `${base}${path}`);
    const started = Date.now();
    const res = await token(server, { clientId, as: first });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 3);
    expectRefused(server, res, clientId, reason);
  });

  it('does not fetch a failing document again within the interval', async () => {
    await client('dead', `${base}/dead`);
    expectRefused(server, await token(server, { clientId: 'dead', as: first }), 'dead', 'jwks_uri fetch failed: HTTP 404');
    expectRefused(server, await token(server, { clientId: 'dead', as: first }), 'dead', 'jwks_uri fetch failed: HTTP 404');
    expect(host.hitCount('/dead')).toBe(1);
  });

  it('refuses a jwks_uri host whose certificate chains to no trusted CA', async () => {
    const otherCa = await createCa({ subject: 'CN=Unknown Host CA' });
    const otherCert = await createLeaf({ issuer: otherCa, subject: 'CN=localhost', serverAuth: true });
    const rogue = createHttpsServer({ cert: otherCert.certPem, key: otherCert.keyPem }, host.handle);
    const port = await listen(rogue);
    try {
      host.documents.set('/rogue', jwkSet(first));
      await client('rogue-host', `https://localhost:${port}/rogue`);
      const res = await token(server, { clientId: 'rogue-host', as: first });
      expectRefused(server, res, 'rogue-host', /^jwks_uri fetch failed: .*(certificate|issuer)/i);
      expect(host.hitCount('/rogue')).toBe(0);
    } finally {
      rogue.closeAllConnections();
      await new Promise((resolve) => rogue.close(resolve));
    }
  });

  it('fetches over http from a loopback address only', async () => {
    host.documents.set('/jwks', jwkSet(first));
    await client('loopback-http', `${plainBase}/jwks`);
    expectToken(await token(server, { clientId: 'loopback-http', as: first }));
    await client('remote-http', 'http://jwks.example.com/jwks');
    expectRefused(server, await token(server, { clientId: 'remote-http', as: first }), 'remote-http', /^jwks_uri fetch failed: a non-https URL/);
  });
});
