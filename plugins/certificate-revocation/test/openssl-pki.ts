/**
 * A test PKI run by the real `openssl ca` (an index file per CA, `-revoke`, `-gencrl`) and served
 * the way a real one is: OpenSSL's own OCSP responder (`openssl ocsp -index`) on a loopback port, and
 * CRLs over HTTP from a loopback server. Everything lives in one temporary folder.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { join } from 'node:path';
import { createServer as createTcpServer } from 'node:net';
import { promisify } from 'node:util';

export { freePort } from '../../../test/support/free-port.ts';

const run = promisify(execFile);
let caCount = 0;

async function openssl(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('openssl', args, { cwd });
  return stdout;
}

export interface IssuedCert {
  readonly name: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** Leaf then the CAs below the root: what a client presents. */
  readonly chainPem: string;
  readonly der: Uint8Array;
  /** Upper-case hex, as openssl prints it. */
  readonly serial: string;
}

export interface IssueOptions {
  /** AIA OCSP responder URL. */
  readonly ocspUrl?: string;
  /** CRL distribution point URL. */
  readonly crlUrl?: string;
  /** Sign outside `openssl ca` (not in the index: the responder answers "unknown"). */
  readonly outsideIndex?: boolean;
  /** extendedKeyUsage value; default clientAuth. */
  readonly eku?: string;
}

export class OpensslCa {
  private constructor(
    readonly dir: string,
    readonly cert: IssuedCert,
    /** What a certificate this CA issues presents after itself: this CA and those above it, less the root. */
    private readonly presentChain: string,
  ) {}

  static async root(base: string, name: string): Promise<OpensslCa> {
    const dir = OpensslCa.layout(base, name);
    await openssl(
      ['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30',
        '-subj', `/O=Tessera Tests/CN=${name}`, '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      dir,
    );
    return new OpensslCa(dir, await OpensslCa.read(dir, name, 'ca.pem', 'ca.key', ''), '');
  }

  private static layout(base: string, name: string): string {
    const dir = join(base, name);
    // Serials distinct across the CAs of a run: a serial found in the wrong CA's CRL would be a bug.
    const firstSerial = 0x1000 * ++caCount;
    mkdirSync(join(dir, 'newcerts'), { recursive: true });
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
    writeFileSync(join(dir, 'serial'), `${firstSerial.toString(16).padStart(4, '0')}\n`);
    writeFileSync(join(dir, 'crlnumber'), '01\n');
    writeFileSync(
      join(dir, 'ca.cnf'),
      `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 7
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
organizationName = optional
commonName = supplied
`,
    );
    return dir;
  }

  private static async read(dir: string, name: string, certFile: string, keyFile: string, chainAbove: string): Promise<IssuedCert> {
    const certPem = readFileSync(join(dir, certFile), 'utf8');
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(certPem)![0];
    const serial = (await openssl(['x509', '-in', certFile, '-noout', '-serial'], dir)).trim().replace(/^serial=/, '');
    const der = new Uint8Array(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
    return { name, certFile: join(dir, certFile), keyFile: join(dir, keyFile), certPem: pem, keyPem: readFileSync(join(dir, keyFile), 'utf8'), chainPem: pem + chainAbove, der, serial };
  }

  /** An intermediate CA, issued (and indexed) by this CA. */
  async issueCa(name: string, options: IssueOptions = {}): Promise<OpensslCa> {
    const dir = OpensslCa.layout(join(this.dir, '..'), name);
    const ext = ['basicConstraints=critical,CA:true', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'];
    const issued = await this.sign(name, ext, options, dir, 'ca');
    return new OpensslCa(dir, issued, issued.certPem + this.presentChain);
  }

  /** A client certificate (clientAuth), issued by this CA. */
  async issueLeaf(name: string, options: IssueOptions = {}): Promise<IssuedCert> {
    const ext = ['basicConstraints=CA:false', 'keyUsage=critical,digitalSignature', `extendedKeyUsage=${options.eku ?? 'clientAuth'}`, 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'];
    const leafsDir = join(this.dir, 'issued');
    mkdirSync(leafsDir, { recursive: true });
    return this.sign(name, ext, options, leafsDir, name);
  }

  private async sign(name: string, ext: string[], options: IssueOptions, outDir: string, base: string): Promise<IssuedCert> {
    if (options.ocspUrl) ext.push(`authorityInfoAccess=OCSP;URI:${options.ocspUrl}`);
    if (options.crlUrl) ext.push(`crlDistributionPoints=URI:${options.crlUrl}`);
    const extFile = join(outDir, `${base}.ext`);
    writeFileSync(extFile, `[ ext ]\n${ext.join('\n')}\n`);
    const key = join(outDir, `${base}.key`);
    const csr = join(outDir, `${base}.csr`);
    const cert = join(outDir, `${base}.pem`);
    await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/O=Tessera Tests/CN=${name}`], this.dir);
    if (options.outsideIndex) {
      await openssl(['x509', '-req', '-in', csr, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '0x7abc', '-days', '30', '-extfile', extFile, '-extensions', 'ext', '-out', cert], this.dir);
    } else {
      await openssl(['ca', '-batch', '-notext', '-config', 'ca.cnf', '-in', csr, '-out', cert, '-extfile', extFile, '-extensions', 'ext'], this.dir);
    }
    return OpensslCa.read(outDir, name, `${base}.pem`, `${base}.key`, this.presentChain);
  }

  /** `openssl ca -revoke` (recorded in this CA's index). */
  async revoke(cert: IssuedCert, reason = 'keyCompromise'): Promise<void> {
    await openssl(['ca', '-config', 'ca.cnf', '-revoke', cert.certFile, '-crl_reason', reason], this.dir);
  }

  /** `openssl ca -gencrl` written to `file` through a rename (how an operator replaces a CRL safely). */
  async gencrl(file: string, window?: { lastUpdate: Date; nextUpdate: Date }): Promise<void> {
    const temp = `${file}.tmp`;
    const dates = window ? ['-crl_lastupdate', asn1Time(window.lastUpdate), '-crl_nextupdate', asn1Time(window.nextUpdate)] : [];
    await openssl(['ca', '-config', 'ca.cnf', '-gencrl', '-out', temp, ...dates], this.dir);
    renameSync(temp, file);
  }
}

function asn1Time(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/**
 * OpenSSL's OCSP responder for `ca`'s index, signing with `signer` (the CA's delegate, or a forger).
 * Ready when it answers a real OCSP request: a bare TCP probe would not do (OpenSSL 3.0's responder
 * stalls on a connection closed before a request).
 */
export async function startOcspResponder(ca: OpensslCa, signer: { certFile: string; keyFile: string }, port: number): Promise<ChildProcess> {
  const child = spawn(
    'openssl',
    ['ocsp', '-index', join(ca.dir, 'index.txt'), '-port', String(port), '-CA', ca.cert.certFile, '-rsigner', signer.certFile, '-rkey', signer.keyFile, '-nmin', '5', '-ignore_err'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  const probe = join(ca.dir, `probe-${port}.der`);
  await openssl(['ocsp', '-issuer', ca.cert.certFile, '-serial', '0x1', '-no_nonce', '-reqout', probe], ca.dir);
  const body = readFileSync(probe);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`openssl ocsp exited (${child.exitCode}) before answering:\n${stderr}`);
    const answered = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body, signal: AbortSignal.timeout(2000) })
      .then(async (res) => (await res.arrayBuffer(), res.status === 200))
      .catch(() => false);
    if (answered) return child;
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`openssl ocsp did not answer on ${port}:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill();
  await exited;
}

/** CRLs over plain HTTP from a folder, as a CA's distribution point serves them. */
export async function startCrlServer(dir: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\//, '');
    if (!/^[\w.-]+\.crl$/.test(name)) return void res.writeHead(404).end();
    try {
      const body = readFileSync(join(dir, name));
      res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': body.length }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return server;
}

/**
 * A TCP server that accepts connections and never answers (a hung responder), or with `reset`
 * drops every connection at once (a dead one) — holding the port, so nothing else can take it.
 */
export async function startSilentServer(port: number, reset = false): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createTcpServer((socket) => {
    if (reset) return void socket.resetAndDestroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
