/**
 * OCSP end to end: OpenSSL's own responder (`openssl ocsp -index`) answering for a CA run by
 * `openssl ca`, signing through a delegated responder certificate (id-kp-OCSPSigning); a second
 * responder signing with a key the CA never authorised (forged answers); a dead port and a
 * responder that accepts and never answers. The real server over real TLS, hard_fail and soft_fail.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Server, createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedFetcher } from '../src/bounded-fetch.ts';
import { certificateFacts } from '../src/certificate-facts.ts';
import { OcspClient } from '../src/ocsp.ts';
import { closeClients } from '../../../test/support/https-client.ts';
import type { TestServer } from '../../../test/support/test-server.ts';
import { expectInvalidClient, expectToken, lastFailureReason } from '../../mutual-tls-client-authenticator/test/mtls-kit.ts';
import { type IssuedCert, OpensslCa, freePort, startOcspResponder, startSilentServer, stopProcess } from './openssl-pki.ts';
import { eventually, registerFor, startRevocationServer, tokenAs } from './revocation-kit.ts';

const FETCH_TIMEOUT_MS = 1000;

let base: string;
let root: OpensslCa;
let ca: OpensslCa;
let responder: ChildProcess;
let forger: ChildProcess;
let silent: { close(): Promise<void> };
let dead: { close(): Promise<void> };
let replayer: Server;
let ocspUrl: string;
const leaves: Record<'good' | 'revoked' | 'unknown' | 'forged' | 'down' | 'slow' | 'replayed', IssuedCert> = {} as never;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'tessera-ocsp-'));
  const [ocspPort, forgedPort, deadPort, slowPort, replayPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const aia = (port: number) => `http://127.0.0.1:${port}/`;
  ocspUrl = aia(ocspPort);
  root = await OpensslCa.root(base, 'OCSP Test Root');
  ca = await root.issueCa('OCSP Issuing CA');
  const delegate = await ca.issueLeaf('ocsp-responder', { eku: 'OCSPSigning' });
  // Same index, but signed by a responder certificate from another CA: a forgery for this CA.
  const stranger = await OpensslCa.root(base, 'Stranger Root');
  const forgedSigner = await stranger.issueLeaf('ocsp-responder', { eku: 'OCSPSigning' });

  leaves.good = await ca.issueLeaf('good-client', { ocspUrl: aia(ocspPort) });
  leaves.revoked = await ca.issueLeaf('revoked-client', { ocspUrl: aia(ocspPort) });
  leaves.unknown = await ca.issueLeaf('unknown-client', { ocspUrl: aia(ocspPort), outsideIndex: true });
  leaves.forged = await ca.issueLeaf('forged-client', { ocspUrl: aia(forgedPort) });
  leaves.down = await ca.issueLeaf('down-client', { ocspUrl: aia(deadPort) });
  leaves.slow = await ca.issueLeaf('slow-client', { ocspUrl: aia(slowPort) });
  leaves.replayed = await ca.issueLeaf('replayed-client', { ocspUrl: aia(replayPort) });
  await ca.revoke(leaves.revoked, 'keyCompromise');
  await root.gencrl(join(base, 'root.crl')); // the intermediate's status comes from the root's CRL

  responder = await startOcspResponder(ca, { certFile: delegate.certFile, keyFile: delegate.keyFile }, ocspPort);
  forger = await startOcspResponder(ca, { certFile: forgedSigner.certFile, keyFile: forgedSigner.keyFile }, forgedPort);
  silent = await startSilentServer(slowPort);
  dead = await startSilentServer(deadPort, true);
  replayer = await startReplayingProxy(replayPort, ocspUrl);
});

/** Passes the first OCSP request on to the real responder, then answers every later one with that first (genuine) response. */
async function startReplayingProxy(port: number, upstream: string): Promise<Server> {
  let first: Buffer | null = null;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!first) {
      const answer = await fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: Buffer.concat(chunks) });
      first = Buffer.from(await answer.arrayBuffer());
    }
    res.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': first.length }).end(first);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

afterAll(async () => {
  await closeClients();
  await stopProcess(responder);
  await stopProcess(forger);
  await silent?.close();
  await dead?.close();
  await new Promise((resolve) => replayer?.close(resolve));
  rmSync(base, { recursive: true, force: true });
});

async function startWith(mode: 'hard_fail' | 'soft_fail'): Promise<TestServer> {
  const server = await startRevocationServer(root.cert.certPem, `mode = "${mode}"
crl_files = ["${join(base, 'root.crl')}"]
ocsp = true
fetch_timeout_ms = ${FETCH_TIMEOUT_MS}
cache_seconds = 1
`);
  for (const [id, cert] of Object.entries(leaves)) await registerFor(server, id, cert);
  return server;
}

describe('OCSP, hard_fail', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startWith('hard_fail');
  });
  afterAll(() => server?.dispose());

  it('issues a token when the responder (a delegated responder certificate) says good', async () => {
    const first = await tokenAs(server, 'good', leaves.good);
    expectToken(first);
    const again = await tokenAs(server, 'good', leaves.good); // from the cache
    expect(again.status, lastFailureReason(server, 'good')).toBe(200);
  });

  it('refuses a certificate the responder says is revoked, with serial and reason in the audit event', async () => {
    expectInvalidClient(await tokenAs(server, 'revoked', leaves.revoked));
    expect(lastFailureReason(server, 'revoked')).toMatch(new RegExp(`certificate revoked: client certificate, serial ${leaves.revoked.serial}, reason keyCompromise \\(OCSP http://`));
  });

  it('refuses a certificate the responder does not know', async () => {
    expectInvalidClient(await tokenAs(server, 'unknown', leaves.unknown));
    expect(lastFailureReason(server, 'unknown')).toMatch(/status unknown.*does not know the certificate/);
  });

  it('refuses on a response signed by a key the issuer never authorised (forged)', async () => {
    expectInvalidClient(await tokenAs(server, 'forged', leaves.forged));
    expect(lastFailureReason(server, 'forged')).toMatch(/not signed by the issuer nor by a responder the issuer authorised/);
  });

  it('refuses when the responder is down', async () => {
    expectInvalidClient(await tokenAs(server, 'down', leaves.down));
    expect(lastFailureReason(server, 'down')).toMatch(/status unknown.*responder unreachable/);
  });

  it('a responder that never answers costs at most fetch_timeout_ms, and other clients are not held up', async () => {
    const started = Date.now();
    const [slow, good] = await Promise.all([tokenAs(server, 'slow', leaves.slow), tokenAs(server, 'good', leaves.good)]);
    expectToken(good);
    expectInvalidClient(slow);
    expect(Date.now() - started).toBeLessThan(FETCH_TIMEOUT_MS + 1500);
    expect(lastFailureReason(server, 'slow')).toContain(`no answer within fetch_timeout_ms (${FETCH_TIMEOUT_MS} ms)`);
  });
});

describe('OCSP, a replayed response', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startWith('hard_fail');
  });
  afterAll(() => server?.dispose());

  it('is refused once the cached answer expires: the nonce is not the one sent', async () => {
    expectToken(await tokenAs(server, 'replayed', leaves.replayed));
    // cache_seconds = 1: the next request after that asks again and gets the old response back.
    const refused = await eventually(() => tokenAs(server, 'replayed', leaves.replayed), (r) => r.status === 401);
    expectInvalidClient(refused);
    expect(lastFailureReason(server, 'replayed')).toMatch(/nonce is not the one sent/);
  });
});

describe('OcspClient against the real responder, with an injected clock', () => {
  const client = (now: () => number, responderUrl: string | null = null, cacheMs = 60_000, maxBytes = 65_536) =>
    new OcspClient({ fetcher: boundedFetcher({ timeoutMs: FETCH_TIMEOUT_MS, maxBytes }), responderUrl, cacheMs, now });

  it('reads no more than max_response_bytes of an answer', async () => {
    const verdict = await client(Date.now, null, 60_000, 100).status(certificateFacts(leaves.good.der), certificateFacts(ca.cert.der));
    expect(verdict).toMatchObject({ status: 'unknown', why: expect.stringContaining('larger than max_response_bytes (100)') });
  });

  it('ocsp_responder_url overrides the responder the certificate names', async () => {
    const issuer = certificateFacts(ca.cert.der);
    expect((await client(Date.now).status(certificateFacts(leaves.down.der), issuer))?.status).toBe('unknown');
    expect(await client(Date.now, ocspUrl).status(certificateFacts(leaves.down.der), issuer)).toMatchObject({ status: 'good' });
  });

  it('a response past its nextUpdate (-nmin 5) is stale: unknown', async () => {
    const later = () => Date.now() + 10 * 60_000;
    expect(await client(later).status(certificateFacts(leaves.good.der), certificateFacts(ca.cert.der))).toMatchObject({ status: 'unknown', why: expect.stringMatching(/stale/) });
  });

  it('reuses a good answer until its nextUpdate (-nmin 5) when cache_seconds is longer, else for cache_seconds', async () => {
    const now = Date.now();
    const cert = certificateFacts(leaves.good.der);
    const issuer = certificateFacts(ca.cert.der);
    const long = await client(() => now, null, 3_600_000).status(cert, issuer);
    expect(long?.status).toBe('good');
    expect(long!.until).toBeGreaterThan(now + 4 * 60_000);
    expect(long!.until).toBeLessThanOrEqual(now + 5 * 60_000 + 1000);
    expect((await client(() => now, null, 30_000).status(cert, issuer))!.until).toBe(now + 30_000);
  });
});

describe('OCSP, soft_fail', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startWith('soft_fail');
  });
  afterAll(() => server?.dispose());

  it('still refuses a revoked certificate', async () => {
    expectInvalidClient(await tokenAs(server, 'revoked', leaves.revoked));
    expect(lastFailureReason(server, 'revoked')).toContain(`serial ${leaves.revoked.serial}`);
  });

  it('accepts, and logs, a certificate whose status cannot be learned: unknown, forged answer, responder down', async () => {
    expectToken(await tokenAs(server, 'good', leaves.good));
    for (const id of ['unknown', 'forged', 'down'] as const) {
      expectToken(await tokenAs(server, id, leaves[id]));
      expect(server.logs.some((l) => l.includes('accepted (soft_fail)') && l.includes(leaves[id].serial))).toBe(true);
    }
  });
});
