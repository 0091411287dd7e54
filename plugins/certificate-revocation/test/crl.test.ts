/**
 * CRLs end to end: a PKI run by `openssl ca` (index files, `-revoke`, `-gencrl`), the real server
 * over real TLS, CRLs read from files (replaced on disk while the server runs) or fetched from the
 * certificates' distribution points on a loopback HTTP server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../../test/oauth/oauth-helpers.ts';
import { call, closeClients } from '../../../test/support/https-client.ts';
import type { TestServer } from '../../../test/support/test-server.ts';
import { expectInvalidClient, expectToken, lastFailureReason } from '../../mutual-tls-client-authenticator/test/mtls-kit.ts';
import { type IssuedCert, OpensslCa, freePort, startCrlServer } from './openssl-pki.ts';
import { eventually, registerFor, startRevocationServer, tokenAs } from './revocation-kit.ts';

const DAY = 86_400_000;

let base: string;
let crlDir: string;
let crlServer: Server;
let root: OpensslCa;
let intA: OpensslCa;
let intB: OpensslCa;
let intC: OpensslCa;
let good: IssuedCert;
let revoked: IssuedCert;
let underRevokedCa: IssuedCert;
let underStaleCrl: IssuedCert;
let revokedLater: IssuedCert;
let forgedCrl: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'tessera-crl-'));
  crlDir = join(base, 'crls');
  const port = await freePort();
  const url = (name: string) => `http://127.0.0.1:${port}/${name}.crl`;
  root = await OpensslCa.root(base, 'Revocation Test Root');
  intA = await root.issueCa('Issuing CA A', { crlUrl: url('root') });
  intB = await root.issueCa('Issuing CA B', { crlUrl: url('root') });
  intC = await root.issueCa('Issuing CA C', { crlUrl: url('root') });
  good = await intA.issueLeaf('good-client', { crlUrl: url('intA') });
  revoked = await intA.issueLeaf('revoked-client', { crlUrl: url('intA') });
  revokedLater = await intA.issueLeaf('later-client', { crlUrl: url('intA') });
  underRevokedCa = await intB.issueLeaf('under-b-client', { crlUrl: url('intB') });
  underStaleCrl = await intC.issueLeaf('under-c-client', { crlUrl: url('intC') });
  await intA.revoke(revoked, 'keyCompromise');
  await root.revoke(intB.cert, 'cACompromise');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(crlDir);
  await root.gencrl(join(crlDir, 'root.crl'));
  await intA.gencrl(join(crlDir, 'intA.crl'));
  await intB.gencrl(join(crlDir, 'intB.crl'));
  // Issued two days ago, due yesterday: stale.
  await intC.gencrl(join(crlDir, 'intC.crl'), { lastUpdate: new Date(Date.now() - 2 * DAY), nextUpdate: new Date(Date.now() - DAY) });
  crlServer = await startCrlServer(crlDir, port);
  // A CA with the very name of Issuing CA A but another key: its CRL lists nothing.
  const impostor = await OpensslCa.root(join(base, 'impostor'), 'Issuing CA A');
  forgedCrl = join(base, 'forged-intA.crl');
  await impostor.gencrl(forgedCrl);
});

afterAll(async () => {
  await closeClients();
  await new Promise((resolve) => crlServer?.close(resolve));
  rmSync(base, { recursive: true, force: true });
});

describe('CRL files (hard_fail), replaced on disk while running', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startRevocationServer(root.cert.certPem, `mode = "hard_fail"
crl_files = ["${join(crlDir, 'root.crl')}", "${join(crlDir, 'intA.crl')}", "${join(crlDir, 'intB.crl')}", "${join(crlDir, 'intC.crl')}"]
check_bound_tokens = true
`, `
[[event_listener]]
name = "tessera.mtls.introspection.CertificateBindingDataProvider"

[oauth.grant_type.client_credentials]
grant_handler = "tessera.mtls.binding.ClientCredentialsGrantHandler"

`);
    for (const [id, cert] of [['good', good], ['revoked', revoked], ['under-b', underRevokedCa], ['under-c', underStaleCrl]] as const) await registerFor(server, id, cert);
    await registerFor(server, 'later', revokedLater, { tlsClientCertificateBoundAccessTokens: true });
  });
  afterAll(() => server?.dispose());

  it('issues a token for a certificate no CRL lists', async () => {
    expectToken(await tokenAs(server, 'good', good));
  });

  it('refuses a revoked client certificate: invalid_client, its serial and reason in the audit event', async () => {
    const res = await tokenAs(server, 'revoked', revoked);
    expectInvalidClient(res);
    const reason = lastFailureReason(server, 'revoked')!;
    expect(reason).toContain(`serial ${revoked.serial}`);
    expect(reason).toContain('keyCompromise');
    expect(reason).toContain('client certificate');
    expect(res.text).not.toContain(revoked.serial);
    expect(server.logs.some((l) => l.includes(revoked.serial) && l.includes('certificate revoked'))).toBe(true);
  });

  it('refuses a certificate whose intermediate CA is revoked (every certificate below the anchor is checked)', async () => {
    expectInvalidClient(await tokenAs(server, 'under-b', underRevokedCa));
    const reason = lastFailureReason(server, 'under-b')!;
    expect(reason).toContain(`CA certificate 1 above the client certificate, serial ${intB.cert.serial}`);
    expect(reason).toContain('cACompromise');
  });

  it('treats a stale CRL as unknown, which hard_fail refuses', async () => {
    expectInvalidClient(await tokenAs(server, 'under-c', underStaleCrl));
    expect(lastFailureReason(server, 'under-c')).toMatch(/status unknown.*stale/);
  });

  it('sees a CRL replaced on disk without a restart, and then reports tokens bound to the certificate inactive', async () => {
    const issued = await tokenAs(server, 'later', revokedLater);
    expectToken(issued);
    const accessToken = issued.json.access_token as string;
    expect((await introspect(server, accessToken)).active).toBe(true);
    // The resource-side check passes (the token lacks openid: userinfo's own refusal comes after it).
    const before = await call(`${server.url}/oauth2/userinfo`, { bearer: accessToken, cert: revokedLater.chainPem, key: revokedLater.keyPem });
    expect(before.status, before.text).toBe(403);

    await intA.revoke(revokedLater, 'superseded');
    await intA.gencrl(join(crlDir, 'intA.crl'));

    const refused = await eventually(() => tokenAs(server, 'later', revokedLater), (r) => r.status === 401);
    expectInvalidClient(refused);
    expect(lastFailureReason(server, 'later')).toContain(`serial ${revokedLater.serial}, reason superseded`);
    expect(server.logs.some((l) => l.includes('CRL file changed on disk and was re-read'))).toBe(true);

    expect(await introspect(server, accessToken)).toEqual({ active: false });
    const after = await call(`${server.url}/oauth2/userinfo`, { bearer: accessToken, cert: revokedLater.chainPem, key: revokedLater.keyPem });
    expect(after.status, after.text).toBe(401);
    expect(after.json.error).toBe('invalid_token');
    // The good certificate still works: the re-read CRL was verified and used, not dropped.
    expectToken(await tokenAs(server, 'good', good));
  });
});

describe('CRL distribution points (hard_fail), fetched over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startRevocationServer(root.cert.certPem, `mode = "hard_fail"
crl_distribution_points = true
fetch_timeout_ms = 1000
`);
    for (const [id, cert] of [['good', good], ['revoked', revoked], ['under-b', underRevokedCa]] as const) await registerFor(server, id, cert);
  });
  afterAll(() => server?.dispose());

  it('issues a token when the CRLs of the leaf and its CA, fetched from their distribution points, list neither', async () => {
    expectToken(await tokenAs(server, 'good', good));
    expectToken(await tokenAs(server, 'good', good)); // and again from the cache
  });

  it('refuses a revoked leaf and a leaf below a revoked CA', async () => {
    expectInvalidClient(await tokenAs(server, 'revoked', revoked));
    expect(lastFailureReason(server, 'revoked')).toMatch(new RegExp(`serial ${revoked.serial}, reason keyCompromise \\(CRL http://127\\.0\\.0\\.1:\\d+/intA\\.crl\\)`));
    expectInvalidClient(await tokenAs(server, 'under-b', underRevokedCa));
    expect(lastFailureReason(server, 'under-b')).toContain(`serial ${intB.cert.serial}`);
  });
});

describe('a CRL file with the issuer\'s name but signed by another key', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startRevocationServer(root.cert.certPem, `mode = "hard_fail"
crl_files = ["${join(crlDir, 'root.crl')}", "${forgedCrl}"]
`);
    await registerFor(server, 'revoked', revoked);
  });
  afterAll(() => server?.dispose());

  it('is not believed: the revoked certificate it omits is not "good", its status is unknown', async () => {
    expectInvalidClient(await tokenAs(server, 'revoked', revoked));
    expect(lastFailureReason(server, 'revoked')).toMatch(/status unknown: client certificate, serial .*not signed by the issuer key/);
  });
});

describe('start-up', () => {
  it('fails, naming the file, when a CRL file is not a CRL (fail closed)', async () => {
    const { writeFileSync } = await import('node:fs');
    const garbage = join(base, 'garbage.crl');
    writeFileSync(garbage, 'not a CRL');
    const started = startRevocationServer(root.cert.certPem, `mode = "soft_fail"
crl_files = ["${garbage}"]
`);
    await expect(started).rejects.toThrow(/crl_files: .*garbage\.crl: not a CRL/);
  });
});

describe('mode = "off" (the default): the enabled validator changes nothing', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startRevocationServer(root.cert.certPem, `crl_files = ["${join(crlDir, 'intA.crl')}"]
`);
    await registerFor(server, 'revoked', revoked);
  });
  afterAll(() => server?.dispose());

  it('issues a token even for a certificate a configured CRL lists', async () => {
    expectToken(await tokenAs(server, 'revoked', revoked));
    expect(server.logs.some((l) => l.includes('mode = \\"off\\": nothing is checked'))).toBe(true);
  });
});
