/**
 * The benchmark's PKI, generated fresh for every run with the project's own generator
 * (core/certs/pki.ts): one CA, a server certificate for 127.0.0.1 / localhost, and one client
 * certificate with a subject DN. All three servers get the same files, so they run the same TLS.
 * For `tessera-revocation`: a second client certificate the CA has revoked, and the CA's CRL
 * listing it (signed by the CA key), so the check that the revocation bundle refuses it can fail.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, createLeaf, thumbprintOf, x509 } from '../../core/certs/pki.ts';

export const CLIENT_DN = 'CN=bench-client,O=Tessera Bench';

export interface BenchPki {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** x5t#S256 of the client certificate: what every bound token must carry. */
  clientThumbprint: string;
  clientDn: string;
  /** The CA's CRL (PEM): lists `revokedCertPem` only; valid for a day. */
  crlFile: string;
  /** A client certificate with the bench client's subject DN, revoked in `crlFile`. */
  revokedCertPem: string;
  revokedKeyPem: string;
  keyAlg: 'EC' | 'RSA';
}

export async function createBenchPki(dir: string, keyAlg: 'EC' | 'RSA'): Promise<BenchPki> {
  const ca = await createCa({ subject: 'CN=Tessera Bench CA,O=Tessera Bench', keyAlg });
  const server = await createLeaf({ issuer: ca, subject: 'CN=localhost', serverAuth: true, keyAlg });
  const client = await createLeaf({ issuer: ca, subject: CLIENT_DN, keyAlg });
  const revoked = await createLeaf({ issuer: ca, subject: CLIENT_DN, keyAlg });
  const now = Date.now();
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate: new Date(now - 60_000),
    nextUpdate: new Date(now + 24 * 3_600_000),
    entries: [{ serialNumber: revoked.cert.serialNumber, revocationDate: new Date(now - 60_000), reason: x509.X509CrlReason.keyCompromise }],
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey)],
    signingKey: ca.keys.privateKey,
    signingAlgorithm: keyAlg === 'EC' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' },
  });
  const files = {
    caFile: join(dir, 'ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server-key.pem'),
    crlFile: join(dir, 'ca-crl.pem'),
  };
  // The RFC 7468 label, as openssl writes it (@peculiar/x509's toString('pem') says `CRL`).
  writeFileSync(files.crlFile, x509.PemConverter.encode(crl.rawData, 'X509 CRL'));
  writeFileSync(files.caFile, ca.certPem);
  writeFileSync(files.serverCertFile, server.certPem);
  writeFileSync(files.serverKeyFile, server.keyPem, { mode: 0o600 });
  return {
    ...files,
    caPem: ca.certPem,
    clientCertPem: client.certPem,
    clientKeyPem: client.keyPem,
    clientThumbprint: thumbprintOf(client.der),
    clientDn: CLIENT_DN,
    revokedCertPem: revoked.certPem,
    revokedKeyPem: revoked.keyPem,
    keyAlg,
  };
}
