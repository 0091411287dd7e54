import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCerts } from '../../core/cli/certs-command.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { thumbprintOf } from '../support/pki.ts';

const out = mkdtempSync(join(tmpdir(), 'tessera-certs-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function certs(...args: string[]): Promise<{ code: number; stdout: string }> {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await runCerts(args);
    return { code, stdout: write.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    write.mockRestore();
  }
}

const read = (name: string) => readFileSync(join(out, name), 'utf8');

describe('tessera certs', () => {
  it('makes a CA and a client certificate it signed, with the subject as registered and the SANs asked for', async () => {
    expect((await certs('ca', '--out', out, '--subject', 'CN=Demo CA,O=Tessera')).code).toBe(0);
    const made = await certs('client', '--ca', join(out, 'ca.pem'), '--ca-key', join(out, 'ca-key.pem'), '--subject', 'CN=client-mtls,O=Acme\\, Inc.,C=US', '--san-dns', 'client.example.com', '--san-ip', '10.1.2.3', '--san-email', 'ops@example.com', '--san-uri', 'https://client.example.com/id', '--out', out);
    expect(made.code).toBe(0);
    const ca = new X509Certificate(read('ca.pem'));
    const client = new X509Certificate(read('client.pem'));
    expect(client.checkIssued(ca)).toBe(true);
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(ca.ca).toBe(true);
    expect(client.ca).toBe(false);
    // Node prints ASN.1 order, one attribute per line: the RFC 4514 string was reversed into it.
    expect(client.subject.split('\n')).toEqual(['C=US', 'O=Acme\\, Inc.', 'CN=client-mtls']);
    expect(client.subjectAltName).toContain('DNS:client.example.com');
    expect(client.subjectAltName).toContain('IP Address:10.1.2.3');
    expect(client.subjectAltName).toContain('email:ops@example.com');
    expect(client.subjectAltName).toContain('URI:https://client.example.com/id');
    expect(client.checkPrivateKey(createPrivateKey(read('client-key.pem')))).toBe(true);
    expect(made.stdout).toContain(`x5t#S256 ${thumbprintOf(new Uint8Array(client.raw))}`);
  });

  it('makes a self-signed client certificate (RSA by default, like the WSO2 guide)', async () => {
    expect((await certs('self-signed', '--subject', 'CN=Gaga,O=WSO2', '--out', out, '--name', 'wso2')).code).toBe(0);
    const cert = new X509Certificate(read('wso2.pem'));
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
  });

  it('makes a server keystore for the host name', async () => {
    expect((await certs('server', '--out', out, '--hostname', 'id.example.com')).code).toBe(0);
    const cert = new X509Certificate(read('server.pem'));
    expect(cert.checkHost('id.example.com')).toBe('id.example.com');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('names localhost once in a server certificate for localhost (the default host name)', async () => {
    expect((await certs('server', '--out', out, '--name', 'local-server', '--san-dns', 'localhost')).code).toBe(0);
    const cert = new X509Certificate(read('local-server.pem'));
    expect(cert.subjectAltName!.split(', ')).toEqual(['DNS:localhost', 'IP Address:127.0.0.1']);
  });

  it('refuses to replace an existing CA without --force, and replaces it with --force', async () => {
    const dir = join(out, 'ca-twice');
    expect((await certs('ca', '--out', dir)).code).toBe(0);
    const first = readFileSync(join(dir, 'ca-key.pem'), 'utf8');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect((await certs('ca', '--out', dir)).code).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/ca\.pem and .*ca-key\.pem already exist: a new CA key invalidates every certificate the old one issued\. Pass --force/);
    } finally {
      stderr.mockRestore();
    }
    expect(readFileSync(join(dir, 'ca-key.pem'), 'utf8')).toBe(first);
    expect((await certs('ca', '--out', dir, '--force')).code).toBe(0);
    expect(readFileSync(join(dir, 'ca-key.pem'), 'utf8')).not.toBe(first);
  });

  it('answers --help for every subcommand with its own usage, and tessera --version', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'tessera.mjs'), ...args], { encoding: 'utf8', timeout: 30_000, cwd: out });
    for (const sub of ['ca', 'client', 'self-signed', 'server', 'thumbprint']) {
      for (const flag of ['--help', '-h']) {
        const res = run('certs', sub, flag);
        expect(res.status, `${sub} ${flag}: ${res.stderr}`).toBe(0);
        expect(res.stdout).toMatch(new RegExp(`^Usage: tessera certs ${sub} `));
      }
    }
    expect(run('certs', 'thumbprint', '--help').stdout).toContain('x5t#S256');
    for (const command of ['start', 'plugins']) {
      const res = run(command, '--help');
      expect(res.status).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`^Usage: tessera ${command} \\[--config FILE\\]`));
    }
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const res = run(flag);
      expect(res.status).toBe(0);
      expect(res.stdout).toBe(`tessera ${pkg.version}\n`);
    }
  });

  it('writes the exact files --cert-out and --key-out name (the Cloudentity guide\'s cert.pem and key.pem)', async () => {
    await certs('ca', '--out', out, '--name', 'named-ca');
    const made = await certs('client', '--ca', join(out, 'named-ca.pem'), '--ca-key', join(out, 'named-ca-key.pem'), '--subject', 'CN=client-mtls', '--cert-out', join(out, 'sub', 'cert.pem'), '--key-out', join(out, 'key.pem'));
    expect(made.code).toBe(0);
    const cert = new X509Certificate(read('sub/cert.pem'));
    expect(cert.checkPrivateKey(createPrivateKey(read('key.pem')))).toBe(true);
    expect(made.stdout.split('\n').slice(0, 2)).toEqual([join(out, 'sub', 'cert.pem'), join(out, 'key.pem')]);
  });

  it('refuses bad input with a message and exit 2', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect((await certs('client', '--out', out, '--subject', 'CN=x')).code).toBe(2);
      expect((await certs('self-signed', '--out', out, '--subject', 'NOTATYPE=x')).code).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/--ca is required[\s\S]*unknown attribute type 'NOTATYPE'/);
    } finally {
      stderr.mockRestore();
    }
  });

  it('prints the x5t#S256 thumbprint of a certificate file from the command line', async () => {
    await certs('self-signed', '--subject', 'CN=thumb', '--out', out, '--name', 'thumb', '--key-alg', 'EC');
    const res = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'tessera.mjs'), 'certs', 'thumbprint', join(out, 'thumb.pem')], { encoding: 'utf8', timeout: 30_000 });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe(thumbprintOf(new Uint8Array(new X509Certificate(read('thumb.pem')).raw)));
  });
});
