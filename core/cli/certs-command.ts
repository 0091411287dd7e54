/**
 * `tessera certs`: the certificates the guides need, as PEM files — a CA, CA-signed client
 * certificates (subject DN, SANs), self-signed client certificates, a server keystore — and the
 * RFC 8705 thumbprint of a certificate. Subjects are RFC 4514 strings, most specific first, exactly as
 * they are registered in `tls_client_auth_subject_dn`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { webcrypto } from 'node:crypto';
import { createCa, createLeaf, createSelfSigned, x509, type Issued, type KeyAlg, type SanSpec } from '../certs/pki.ts';
import { decodePem } from '../crypto/pem.ts';
import { certificateThumbprint } from '../crypto/thumbprint.ts';

/** One usage text per subcommand: `tessera certs <sub> --help` prints its own, `tessera certs --help` all. */
const SUBCOMMANDS = {
  ca: `ca           [--out DIR] [--subject DN] [--name ca] [--days 3650] [--key-alg EC|RSA] [--force]
               a root CA: DIR/ca.pem, DIR/ca-key.pem. Refuses to replace an existing CA unless --force:
               a new CA key invalidates every certificate the old one issued`,
  client: `client       --ca CA.pem --ca-key CA-KEY.pem --subject DN [--out DIR] [--name client] [--days 365]
               [--san-dns NAME]... [--san-uri URI]... [--san-ip ADDR]... [--san-email ADDR]... [--key-alg EC|RSA]
               a client certificate signed by the CA: DIR/client.pem, DIR/client-key.pem`,
  'self-signed': `self-signed  --subject DN [--out DIR] [--name client] [--days 365] [--san-...]... [--key-alg RSA|EC]
               a self-signed client certificate (self_signed_tls_client_auth, the WSO2 guide's openssl req -x509)`,
  server: `server       [--out DIR] [--hostname localhost] [--ca CA.pem --ca-key CA-KEY.pem] [--days 825] [--san-dns NAME]...
               a server keystore for [transport.https] cert_file / key_file: DIR/server.pem, DIR/server-key.pem
               (SANs: the host name, localhost and 127.0.0.1)`,
  thumbprint: `thumbprint   FILE
               prints x5t#S256 = base64url(SHA-256(DER)) of the first certificate in FILE (PEM)`,
} as const;
type Subcommand = keyof typeof SUBCOMMANDS;

const FOOTER = `Every command but thumbprint writes DIR/NAME.pem and DIR/NAME-key.pem (DIR defaults to the current
folder); --cert-out FILE and --key-out FILE name the two files exactly (e.g. --cert-out cert.pem --key-out key.pem).

DN example: "CN=client-mtls,O=Acme,C=US"
`;

const USAGE = `Usage: tessera certs <subcommand> [options]     (tessera certs <subcommand> --help: one subcommand)

${Object.values(SUBCOMMANDS).map((text) => `  ${text}`).join('\n')}

${FOOTER}`;

function subcommandUsage(sub: Subcommand): string {
  return `Usage: tessera certs ${SUBCOMMANDS[sub].replace(/^(\S+) +/, '$1 ').replace(/\n {15}/g, '\n    ')}\n\n${sub === 'thumbprint' ? '' : FOOTER}`;
}

const DAY = 86_400_000;

export async function runCerts(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) && rest.some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(subcommandUsage(sub as Subcommand));
    return 0;
  }
  try {
    switch (sub) {
      case 'ca':
        return await makeCa(rest);
      case 'client':
        return await makeClient(rest);
      case 'self-signed':
        return await makeSelfSigned(rest);
      case 'server':
        return await makeServer(rest);
      case 'thumbprint':
        return thumbprint(rest);
      case '-h':
      case '--help':
      case 'help':
      case undefined:
        process.stdout.write(USAGE);
        return sub === undefined ? 2 : 0;
      default:
        process.stderr.write(`tessera certs: unknown subcommand "${sub}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    process.stderr.write(`tessera certs ${sub}: ${(err as Error).message}\n`);
    return 2;
  }
}

const common = {
  out: { type: 'string' },
  name: { type: 'string' },
  subject: { type: 'string' },
  days: { type: 'string' },
  'key-alg': { type: 'string' },
  'san-dns': { type: 'string', multiple: true },
  'san-uri': { type: 'string', multiple: true },
  'san-ip': { type: 'string', multiple: true },
  'san-email': { type: 'string', multiple: true },
  ca: { type: 'string' },
  'ca-key': { type: 'string' },
  hostname: { type: 'string' },
  'cert-out': { type: 'string' },
  'key-out': { type: 'string' },
  force: { type: 'boolean' },
} as const;

type Options = ReturnType<typeof parse>;

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: common, strict: true }).values;
}

function required(values: Options, name: keyof Options): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new Error(`--${name} is required`);
  return value;
}

function validity(values: Options, defaultDays: number) {
  const days = Number(values.days ?? defaultDays);
  if (!Number.isInteger(days) || days < 1) throw new Error('--days must be a positive whole number');
  return { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + days * DAY) };
}

function keyAlg(values: Options, fallback: KeyAlg): KeyAlg {
  const alg = (values['key-alg'] ?? fallback).toUpperCase();
  if (alg !== 'EC' && alg !== 'RSA') throw new Error('--key-alg must be EC or RSA');
  return alg;
}

function sans(values: Options): SanSpec {
  return { dns: values['san-dns'], uri: values['san-uri'], ip: values['san-ip'], email: values['san-email'] };
}

/** `refuseOverwrite`: the files hold something others depend on (a CA key); only --force replaces them. */
function write(values: Options, fallbackName: string, issued: Issued, refuseOverwrite = false): number {
  const dir = resolve(values.out ?? '.');
  const name = values.name ?? fallbackName;
  const certFile = values['cert-out'] ? resolve(values['cert-out']) : join(dir, `${name}.pem`);
  const keyFile = values['key-out'] ? resolve(values['key-out']) : join(dir, `${name}-key.pem`);
  if (certFile === keyFile) throw new Error('the certificate and the key need two different files');
  if (refuseOverwrite && !values.force) {
    const existing = [certFile, keyFile].filter((file) => existsSync(file));
    if (existing.length > 0) {
      throw new Error(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}: a new CA key invalidates every certificate the old one issued. Pass --force to replace it, or --out DIR / --name NAME to write another CA`);
    }
  }
  mkdirSync(dirname(certFile), { recursive: true });
  mkdirSync(dirname(keyFile), { recursive: true });
  writeFileSync(certFile, issued.certPem);
  writeFileSync(keyFile, issued.keyPem, { mode: 0o600 });
  process.stdout.write(`${certFile}\n${keyFile}\nx5t#S256 ${certificateThumbprint(issued.der)}\n`);
  return 0;
}

/** Reads a CA given as PEM files back into the shape createLeaf signs with. */
async function loadCa(certFile: string, keyFile: string): Promise<Issued> {
  const certPem = readFileSync(certFile, 'utf8');
  const keyPem = readFileSync(keyFile, 'utf8');
  const cert = new x509.X509Certificate(certPem);
  const keyDer = decodePem(keyPem, 'PRIVATE KEY');
  if ('problem' in keyDer) throw new Error(`${keyFile}: ${keyDer.problem} (expected a PKCS#8 "PRIVATE KEY" PEM)`);
  const algorithm = cert.publicKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const privateKey = (await webcrypto.subtle.importKey('pkcs8', keyDer.ders[0], algorithm, true, ['sign'])) as unknown as CryptoKey;
  const publicKey = await cert.publicKey.export(algorithm, ['verify']);
  return { certPem, keyPem, der: new Uint8Array(cert.rawData), cert, keys: { privateKey, publicKey } };
}

async function makeCa(argv: string[]): Promise<number> {
  const values = parse(argv);
  const issued = await createCa({ subject: values.subject ?? 'CN=Tessera Demo CA,O=Tessera', keyAlg: keyAlg(values, 'EC'), ...validity(values, 3650) });
  return write(values, 'ca', issued, true);
}

async function makeClient(argv: string[]): Promise<number> {
  const values = parse(argv);
  const issuer = await loadCa(required(values, 'ca'), required(values, 'ca-key'));
  const issued = await createLeaf({ issuer, subject: required(values, 'subject'), san: sans(values), keyAlg: keyAlg(values, 'EC'), ...validity(values, 365) });
  return write(values, 'client', issued);
}

async function makeSelfSigned(argv: string[]): Promise<number> {
  const values = parse(argv);
  const issued = await createSelfSigned({ subject: required(values, 'subject'), san: sans(values), keyAlg: keyAlg(values, 'RSA'), ...validity(values, 365) });
  return write(values, 'client', issued);
}

async function makeServer(argv: string[]): Promise<number> {
  const values = parse(argv);
  const hostname = values.hostname ?? 'localhost';
  const issuer = values.ca ? await loadCa(values.ca, required(values, 'ca-key')) : await createCa({ subject: `CN=${hostname} issuer` });
  const issued = await createLeaf({ issuer, subject: `CN=${hostname}`, san: { ...sans(values), dns: [hostname, ...(values['san-dns'] ?? [])] }, serverAuth: true, keyAlg: keyAlg(values, 'EC'), ...validity(values, 825) });
  return write(values, 'server', { ...issued, certPem: values.ca ? issued.certPem : issued.certPem + issuer.certPem });
}

function thumbprint(argv: string[]): number {
  const { positionals } = parseArgs({ args: argv, options: {}, allowPositionals: true, strict: true });
  const [file] = positionals;
  if (!file) throw new Error('a certificate file is required (tessera certs thumbprint FILE)');
  if (positionals.length > 1) throw new Error('one certificate file at a time');
  const decoded = decodePem(readFileSync(file, 'utf8'));
  if ('problem' in decoded) throw new Error(`${file}: ${decoded.problem}`);
  process.stdout.write(`${certificateThumbprint(decoded.ders[0])}\n`);
  return 0;
}
