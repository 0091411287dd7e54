/**
 * The benchmark's PKI, generated fresh for every run with the project's own generator
 * (core/certs/pki.ts): one CA, a server certificate for 127.0.0.1 / localhost, and one client
 * certificate with a subject DN. All three servers get the same files, so they run the same TLS.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, createLeaf, thumbprintOf } from '../../core/certs/pki.ts';

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
  keyAlg: 'EC' | 'RSA';
}

export async function createBenchPki(dir: string, keyAlg: 'EC' | 'RSA'): Promise<BenchPki> {
  const ca = await createCa({ subject: 'CN=Tessera Bench CA,O=Tessera Bench', keyAlg });
  const server = await createLeaf({ issuer: ca, subject: 'CN=localhost', serverAuth: true, keyAlg });
  const client = await createLeaf({ issuer: ca, subject: CLIENT_DN, keyAlg });
  const files = {
    caFile: join(dir, 'ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server-key.pem'),
  };
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
    keyAlg,
  };
}
