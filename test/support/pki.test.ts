import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { chainPem, createCa, createLeaf, createSelfSigned, thumbprintOf } from './pki.ts';


const node = (der: Uint8Array) => new X509Certificate(Buffer.from(der));

describe('test PKI', () => {
  it('builds a root → intermediate → leaf chain that Node verifies', async () => {
    const root = await createCa();
    const intermediate = await createCa({ subject: 'CN=Test Intermediate CA,O=Tessera', issuer: root, pathLength: 0 });
    const leaf = await createLeaf({ issuer: intermediate, subject: 'CN=client,O=Acme,C=US' });

    const [r, i, l] = [node(root.der), node(intermediate.der), node(leaf.der)];
    expect(r.checkIssued(r)).toBe(true);
    expect(r.verify(r.publicKey)).toBe(true);
    expect(i.checkIssued(r)).toBe(true);
    expect(i.verify(r.publicKey)).toBe(true);
    expect(l.checkIssued(i)).toBe(true);
    expect(l.verify(i.publicKey)).toBe(true);
    expect(l.verify(r.publicKey)).toBe(false);
    expect(r.ca && i.ca).toBe(true);
    expect(l.ca).toBe(false);
    expect(l.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // Node's name for extendedKeyUsage
  });

  it('writes the RFC 4514 subject in ASN.1 order (least-specific RDN first)', async () => {
    const root = await createCa();
    const leaf = await createLeaf({ issuer: root, subject: 'CN=client,O=Acme,C=US' });
    expect(node(leaf.der).subject).toBe('C=US\nO=Acme\nCN=client');
  });

  it('handles escaped characters and multi-valued RDNs in subjects', async () => {
    const root = await createCa();
    const leaf = await createLeaf({ issuer: root, subject: 'CN=a+UID=b,O=Acme\\, Inc.,C=US' });
    expect(node(leaf.der).subject).toBe('C=US\nO=Acme\\, Inc.\nCN=a + UID=b');
    const hex = await createLeaf({ issuer: root, subject: 'CN=caf\\C3\\A9,O=#0c0548656c6c6f' });
    expect(node(hex.der).subject).toBe('O=Hello\nCN=café');
  });

  it('puts SANs in client certificates and localhost in server certificates', async () => {
    const root = await createCa();
    const client = await createLeaf({
      issuer: root,
      subject: 'CN=client',
      san: { dns: ['client.example'], uri: ['spiffe://example/client'], ip: ['192.0.2.1', '2001:db8::1'], email: ['c@example.com'] },
    });
    expect(node(client.der).subjectAltName).toBe(
      'DNS:client.example, URI:spiffe://example/client, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1, email:c@example.com',
    );
    const server = await createLeaf({ issuer: root, subject: 'CN=localhost', serverAuth: true });
    expect(node(server.der).subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(node(server.der).keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('creates RSA and EC keys as PKCS#8 PEM that Node reads', async () => {
    const rsa = await createSelfSigned({ subject: 'CN=self', keyAlg: 'RSA' });
    expect(rsa.keyPem.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(createPrivateKey(rsa.keyPem).asymmetricKeyType).toBe('rsa');
    expect(node(rsa.der).verify(node(rsa.der).publicKey)).toBe(true);
    expect(node(rsa.der).ca).toBe(false);
    const ec = await createSelfSigned({ subject: 'CN=self', keyAlg: 'EC' });
    expect(createPrivateKey(ec.keyPem).asymmetricKeyType).toBe('ec');
  });

  it('honours validity dates', async () => {
    const notBefore = new Date('2020-01-01T00:00:00Z');
    const notAfter = new Date('2021-01-01T00:00:00Z');
    const root = await createCa({ notBefore, notAfter });
    expect(new Date(node(root.der).validFrom).toISOString()).toBe(notBefore.toISOString());
    expect(new Date(node(root.der).validTo).toISOString()).toBe(notAfter.toISOString());
  });

  it('computes the base64url SHA-256 thumbprint and concatenates chains', async () => {
    const root = await createCa();
    const leaf = await createLeaf({ issuer: root, subject: 'CN=client' });
    expect(Buffer.from(thumbprintOf(leaf.der), 'base64url').toString('hex')).toBe(
      node(leaf.der).fingerprint256.replace(/:/g, '').toLowerCase(),
    );
    expect(thumbprintOf(leaf.der)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(chainPem(leaf, root)).toBe(leaf.certPem + root.certPem);
  });

  it('produces a key and chain a real TLS server accepts from a client', async () => {
    const root = await createCa();
    const intermediate = await createCa({ subject: 'CN=Client Issuing CA', issuer: root });
    const serverCert = await createLeaf({ issuer: root, subject: 'CN=localhost', serverAuth: true });
    const client = await createLeaf({ issuer: intermediate, subject: 'CN=client,O=Acme' });

    const server = tls.createServer({
      key: serverCert.keyPem,
      cert: serverCert.certPem,
      ca: [root.certPem],
      requestCert: true,
      rejectUnauthorized: true,
    });
    const seen = new Promise<{ authorized: boolean; raw: Buffer; issuerRaw: Buffer | undefined }>((resolve) => {
      server.on('secureConnection', (socket) => {
        const peer = socket.getPeerCertificate(true);
        resolve({ authorized: socket.authorized, raw: peer.raw, issuerRaw: peer.issuerCertificate?.raw });
        socket.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: [root.certPem],
        key: client.keyPem,
        cert: chainPem(client, intermediate),
      });
      socket.on('error', () => undefined); // the server closing first is not this test's concern
      await once(socket, 'secureConnect');
      expect(socket.authorized).toBe(true);
      const got = await seen;
      socket.destroy();
      expect(got.authorized).toBe(true);
      expect(new Uint8Array(got.raw)).toEqual(client.der);
      expect(new Uint8Array(got.issuerRaw ?? [])).toEqual(intermediate.der);
    } finally {
      server.close();
    }
  });

  // curl is on every machine this runs on (scripts/install-system-packages.sh installs it when missing).
  it('produces PEM files curl uses with --cert, --key and --cacert', async () => {
    const root = await createCa();
    const serverCert = await createLeaf({ issuer: root, subject: 'CN=localhost', serverAuth: true });
    const client = await createLeaf({ issuer: root, subject: 'CN=curl client', keyAlg: 'RSA' });
    const dir = await mkdtemp(join(tmpdir(), 'tessera-pki-'));
    const server = https.createServer(
      { key: serverCert.keyPem, cert: serverCert.certPem, ca: [root.certPem], requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const peer = (req.socket as tls.TLSSocket).getPeerCertificate();
        res.end(thumbprintOf(new Uint8Array(peer.raw)));
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      await writeFile(join(dir, 'ca.pem'), root.certPem);
      await writeFile(join(dir, 'client.pem'), client.certPem);
      await writeFile(join(dir, 'client.key'), client.keyPem);
      const { port } = server.address() as AddressInfo;
      const { stdout } = await promisify(execFile)('curl', [
        '--silent', '--show-error', '--fail',
        '--cacert', join(dir, 'ca.pem'),
        '--cert', join(dir, 'client.pem'),
        '--key', join(dir, 'client.key'),
        `https://localhost:${port}/`,
      ]);
      expect(stdout).toBe(thumbprintOf(client.der));
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
