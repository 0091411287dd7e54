/**
 * The HTTPS listener's certificate: the configured PEM files, or — on first start with none
 * configured — a self-signed ECDSA certificate for the host name, localhost and loopback addresses,
 * generated once and kept in the data folder (like WSO2's bundled wso2carbon keystore).
 */
import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { PRIVATE_FILE_MODE, createPrivateDir } from '../files/private-files.ts';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export interface ServerKeystore {
  cert: string;
  key: string;
  generated: boolean;
  certFile: string;
}

export async function loadServerKeystore(options: { certFile: string; keyFile: string; dataDir: string; hostname: string }): Promise<ServerKeystore> {
  if (options.certFile && options.keyFile) {
    return { cert: readFileSync(options.certFile, 'utf8'), key: readFileSync(options.keyFile, 'utf8'), generated: false, certFile: options.certFile };
  }
  const certFile = join(options.dataDir, 'server-cert.pem');
  const keyFile = join(options.dataDir, 'server-key.pem');
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), generated: false, certFile };
  }
  const { cert, key } = await generateServerCertificate(options.hostname);
  createPrivateDir(options.dataDir);
  writeFileSync(keyFile, key, { mode: PRIVATE_FILE_MODE });
  writeFileSync(certFile, cert, { mode: PRIVATE_FILE_MODE });
  return { cert, key, generated: true, certFile };
}

export async function generateServerCertificate(hostname: string, days = 825): Promise<{ cert: string; key: string }> {
  x509.cryptoProvider.set(webcrypto as Crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const names = [...new Set([hostname, 'localhost'])];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=${hostname}, O=Tessera`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + days * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.map((value) => ({ type: 'dns' as const, value })),
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const key = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  return { cert: cert.toString('pem'), key };
}
