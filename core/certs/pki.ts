/**
 * A small PKI: roots, intermediates, client/server leaves and self-signed certificates, generated with
 * @peculiar/x509 over Node's WebCrypto. It serves `tessera certs` (so nobody needs openssl or keytool
 * to follow a guide) and the tests. EC P-256 unless RSA is asked for.
 *
 * Subjects are RFC 4514 strings (most-specific RDN first, as LDAP and RFC 8705 registrations write
 * them). @peculiar/x509's own string parser keeps the written order and mis-handles some escapes, so
 * the subject is parsed here and handed to it as JSON, in ASN.1 order (least-specific first).
 * This parser is deliberately independent of the server's DN code so the tests can check that code.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { certificateThumbprint } from '../crypto/thumbprint.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** Tests needing @peculiar/x509 directly take it from here, so reflect-metadata is always loaded first. */
export { x509 };

export type KeyAlg = 'EC' | 'RSA';

export interface Issued {
  readonly certPem: string;
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as Node's `tls` and curl `--key` read it. */
  readonly keyPem: string;
  readonly der: Uint8Array;
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

export interface SanSpec {
  readonly dns?: readonly string[];
  readonly uri?: readonly string[];
  readonly ip?: readonly string[];
  readonly email?: readonly string[];
}

/** An RFC 4514 string, or a ready-made Name for encodings the string form cannot ask for. */
export type SubjectSpec = string | x509.Name;

export interface CaOptions {
  readonly subject?: SubjectSpec;
  readonly keyAlg?: KeyAlg;
  /** Signs the new CA: it becomes an intermediate. Omitted: a self-signed root. */
  readonly issuer?: Issued;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly pathLength?: number;
  /** Reuse a key pair: a cross-certificate or re-issued CA with the same key. */
  readonly keys?: CryptoKeyPair;
  /** Replaces the default keyCertSign | cRLSign | digitalSignature. */
  readonly keyUsages?: x509.KeyUsageFlags;
  /** More extensions, e.g. a critical name constraint. */
  readonly extraExtensions?: readonly x509.Extension[];
}

export interface LeafOptions {
  readonly issuer: Issued;
  readonly subject: SubjectSpec;
  readonly san?: SanSpec;
  readonly keyAlg?: KeyAlg;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** basicConstraints cA=true on an end-entity certificate, to test that it is refused as a leaf. */
  readonly isCa?: boolean;
  /** A TLS server certificate (serverAuth, SAN localhost and 127.0.0.1) instead of a client one. */
  readonly serverAuth?: boolean;
  /** keyUsage (critical) instead of the usual digitalSignature (+ keyEncipherment for RSA). */
  readonly keyUsages?: x509.KeyUsageFlags;
  /** More extensions, e.g. one marked critical that no validator knows. */
  readonly extraExtensions?: readonly x509.Extension[];
}

export interface SelfSignedOptions {
  readonly subject: SubjectSpec;
  readonly keyAlg?: KeyAlg;
  readonly san?: SanSpec;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** keyUsage (critical) instead of digitalSignature. */
  readonly keyUsages?: x509.KeyUsageFlags;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export async function createCa(options: CaOptions = {}): Promise<Issued> {
  const keys = options.keys ?? (await generateKeys(options.keyAlg ?? 'EC'));
  const usages = options.keyUsages ?? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, options.pathLength, true),
    new x509.KeyUsagesExtension(usages, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ...(options.extraExtensions ?? []),
  ];
  return issue({
    subject: options.subject ?? 'CN=Test Root CA',
    keys,
    issuer: options.issuer,
    notBefore: options.notBefore ?? new Date(Date.now() - HOUR),
    notAfter: options.notAfter ?? new Date(Date.now() + 3650 * DAY),
    extensions,
  });
}

export async function createLeaf(options: LeafOptions): Promise<Issued> {
  const keyAlg = options.keyAlg ?? 'EC';
  const keys = await generateKeys(keyAlg);
  // A server certificate always names localhost and 127.0.0.1, each once (also when asked for again).
  const san: SanSpec = options.serverAuth
    ? { ...options.san, dns: [...new Set(['localhost', ...(options.san?.dns ?? [])])], ip: [...new Set(['127.0.0.1', ...(options.san?.ip ?? [])])] }
    : options.san ?? {};
  let usages = x509.KeyUsageFlags.digitalSignature;
  if (keyAlg === 'RSA') usages |= x509.KeyUsageFlags.keyEncipherment;
  if (options.isCa) usages |= x509.KeyUsageFlags.keyCertSign;
  if (options.keyUsages !== undefined) usages = options.keyUsages;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.isCa === true, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    new x509.ExtendedKeyUsageExtension([options.serverAuth ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ...sanExtension(san),
    ...(options.extraExtensions ?? []),
  ];
  return issue({
    subject: options.subject,
    keys,
    issuer: options.issuer,
    notBefore: options.notBefore ?? new Date(Date.now() - HOUR),
    notAfter: options.notAfter ?? new Date(Date.now() + DAY),
    extensions,
  });
}

/** A self-signed end-entity certificate (RFC 8705 §2.2 `self_signed_tls_client_auth`). */
export async function createSelfSigned(options: SelfSignedOptions): Promise<Issued> {
  const keys = await generateKeys(options.keyAlg ?? 'EC');
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(options.keyUsages ?? x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ...sanExtension(options.san ?? {}),
  ];
  return issue({
    subject: options.subject,
    keys,
    issuer: undefined,
    notBefore: options.notBefore ?? new Date(Date.now() - HOUR),
    notAfter: options.notAfter ?? new Date(Date.now() + DAY),
    extensions,
  });
}

/** RFC 8705 §3.1 `x5t#S256`: the core's one thumbprint function, under the name the PKI kits use. */
export const thumbprintOf: (der: Uint8Array) => string = certificateThumbprint;

/** Certificates concatenated as one PEM text, in the order given (leaf first for a TLS chain). */
export function chainPem(...issued: readonly Issued[]): string {
  return issued.map((i) => i.certPem).join('');
}

interface IssueParams {
  readonly subject: SubjectSpec;
  readonly keys: CryptoKeyPair;
  readonly issuer: Issued | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: x509.Extension[];
}

async function issue(p: IssueParams): Promise<Issued> {
  const subject = typeof p.subject === 'string' ? nameFromRfc4514(p.subject) : p.subject;
  const signingKey = p.issuer?.keys.privateKey ?? p.keys.privateKey;
  const extensions = [...p.extensions];
  if (p.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(p.issuer.keys.publicKey));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: p.issuer ? p.issuer.cert.subjectName : subject,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    publicKey: p.keys.publicKey,
    signingKey,
    signingAlgorithm: signingAlgorithm(signingKey),
    extensions,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', p.keys.privateKey as webcrypto.CryptoKey);
  return {
    certPem: `${cert.toString('pem')}\n`,
    keyPem: toPem(new Uint8Array(pkcs8), 'PRIVATE KEY'),
    der: new Uint8Array(cert.rawData),
    cert,
    keys: p.keys,
  };
}

async function generateKeys(alg: KeyAlg): Promise<CryptoKeyPair> {
  const params =
    alg === 'EC'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  return (await webcrypto.subtle.generateKey(params, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
}

function signingAlgorithm(key: CryptoKey): Algorithm | EcdsaParams {
  return key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
}

function sanExtension(san: SanSpec): x509.Extension[] {
  const names: x509.JsonGeneralName[] = [
    ...(san.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(san.uri ?? []).map((value) => ({ type: 'url' as const, value })),
    ...(san.ip ?? []).map((value) => ({ type: 'ip' as const, value: withoutDottedTail(value) })),
    ...(san.email ?? []).map((value) => ({ type: 'email' as const, value })),
  ];
  return names.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(names)];
}

/** `::ffff:1.2.3.4` → `::ffff:102:304`: @peculiar/x509 mis-encodes an IPv6 address with an IPv4 tail. */
function withoutDottedTail(ip: string): string {
  const match = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!match) return ip;
  const [a, b, c, d] = match.slice(2).map(Number);
  return `${match[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f; // a positive INTEGER
  bytes[0] |= 0x01; // and no leading zero byte to strip
  return Buffer.from(bytes).toString('hex');
}

function toPem(der: Uint8Array, label: string): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const ATTRIBUTE_OIDS: Readonly<Record<string, string>> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  SERIALNUMBER: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  E: '1.2.840.113549.1.9.1',
  EMAILADDRESS: '1.2.840.113549.1.9.1',
};
const IA5_TYPES = new Set([ATTRIBUTE_OIDS.DC, ATTRIBUTE_OIDS.E]);

/** RFC 4514 text → Name in ASN.1 order. Values are typed as a CA would: PrintableString when possible. */
export function nameFromRfc4514(dn: string): x509.Name {
  const rdns = splitUnescaped(dn, ',').map((rdn) =>
    splitUnescaped(rdn, '+').map((atv) => {
      const eq = atv.indexOf('=');
      if (eq < 1) throw new Error(`bad attribute '${atv}' in '${dn}'`);
      const typeText = atv.slice(0, eq).trim();
      const oid = ATTRIBUTE_OIDS[typeText.toUpperCase()] ?? (/^\d+(\.\d+)+$/.test(typeText) ? typeText : undefined);
      if (!oid) throw new Error(`unknown attribute type '${typeText}'`);
      return { oid, raw: atv.slice(eq + 1) };
    }),
  );
  const json: x509.JsonNameParams = rdns.reverse().map((rdn) => {
    const item: Record<string, (string | x509.JsonAttributeObject)[]> = {};
    for (const { oid, raw } of rdn) {
      const trimmed = raw.replace(/^ +/, '');
      // `#hex` is the BER of the value: @peculiar/x509 embeds it as is.
      const value: string | x509.JsonAttributeObject = trimmed.startsWith('#')
        ? trimmed.trim()
        : IA5_TYPES.has(oid)
          ? { ia5String: unescapeValue(trimmed) }
          : x509.Name.isPrintableString(unescapeValue(trimmed))
            ? { printableString: unescapeValue(trimmed) }
            : { utf8String: unescapeValue(trimmed) };
      (item[oid] ??= []).push(value);
    }
    return item as x509.JsonAttributeAndValue;
  });
  return new x509.Name(json);
}

/** Splits on `sep` where it is not escaped by a backslash. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === sep) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** `\,` → `,`; `\c3\a9` → `é` (hex pairs are UTF-8 bytes); unescaped trailing spaces dropped. */
function unescapeValue(raw: string): string {
  const bytes: number[] = [];
  let keep = 0; // bytes up to here are significant (escaped spaces at the end stay)
  const chars = Array.from(raw); // code points, so astral characters stay whole
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\') {
      const hex = (chars[i + 1] ?? '') + (chars[i + 2] ?? '');
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(chars[i + 1] ?? '', 'utf8'));
        i += 1;
      }
      keep = bytes.length;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
      if (c !== ' ') keep = bytes.length;
    }
  }
  return Buffer.from(bytes.slice(0, keep)).toString('utf8');
}
