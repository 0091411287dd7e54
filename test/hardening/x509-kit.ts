/**
 * Certificates for the hardening tests: random DER (structured, so it gets past the first bytes of a
 * parser), mutations of real certificates, and well-formed but unusual certificates (unknown SAN
 * kinds, huge or critical unknown extensions, odd string types, chains that loop or go deep).
 */
import { webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { nameFromRfc4514, x509, type Issued } from '../support/pki.ts';

/** DER length octets for `n`. */
function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

export function tlv(tag: number, content: Uint8Array | number[]): Uint8Array {
  const body = Array.from(content);
  return Uint8Array.from([tag, ...derLength(body.length), ...body]);
}

const PRIMITIVE_TAGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1e, 0x1c, 0x80, 0x81, 0x82, 0x86, 0x87, 0x88];
const CONSTRUCTED_TAGS = [0x30, 0x31, 0xa0, 0xa1, 0xa3, 0xa4];

/** Random, mostly well-formed DER trees: certificates' shape without their meaning. */
export const derTree: fc.Arbitrary<Uint8Array> = fc.letrec<{ node: Uint8Array }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true, maxDepth: 4 },
    fc.tuple(fc.constantFrom(...PRIMITIVE_TAGS), fc.uint8Array({ maxLength: 40 })).map(([tag, content]) => tlv(tag, content)),
    fc.tuple(fc.constantFrom(...CONSTRUCTED_TAGS), fc.array(tie('node'), { maxLength: 5 })).map(([tag, children]) => tlv(tag, children.flatMap((c) => Array.from(c)))),
  ),
})).node;

/** A certificate-shaped SEQUENCE of three random trees (tbs, algorithm, signature). */
export const certificateShaped = fc.tuple(derTree, derTree, derTree).map(([a, b, c]) => tlv(0x30, [...tlv(0x30, a), ...b, ...c]));

/** Mutations of a real DER: flipped, inserted, deleted bytes, truncation, and hostile length octets. */
export function mutatedDer(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const at = fc.nat({ max: base.length - 1 });
  return fc.oneof(
    fc.tuple(at, fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const copy = Uint8Array.from(base);
      copy[i] ^= x;
      return copy;
    }),
    fc.tuple(at, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([i, bytes]) => Uint8Array.from([...base.subarray(0, i), ...bytes, ...base.subarray(i)])),
    fc.tuple(at, fc.integer({ min: 1, max: 32 })).map(([i, n]) => Uint8Array.from([...base.subarray(0, i), ...base.subarray(i + n)])),
    at.map((i) => base.slice(0, i)),
    // A length field claiming 4 GiB, or indefinite.
    fc.tuple(at, fc.constantFrom([0x84, 0xff, 0xff, 0xff, 0xff], [0x80], [0x85, 1, 0, 0, 0, 0], [0x82, 0x00, 0x05])).map(([i, len]) =>
      Uint8Array.from([...base.subarray(0, i), ...len, ...base.subarray(i + 1)]),
    ),
  );
}

export interface CraftOptions {
  issuer?: Issued;
  subject?: x509.Name | string;
  sans?: x509.JsonGeneralName[];
  extensions?: x509.Extension[];
  notBefore?: Date;
  notAfter?: Date;
  isCa?: boolean;
  keys?: CryptoKeyPair;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate with whatever extensions the test needs, signed by `issuer` (or self-signed). */
export async function craft(options: CraftOptions): Promise<Issued> {
  const keys = options.keys ?? ((await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as unknown as CryptoKeyPair);
  // RFC 4514 text is most-specific first: turned into a Name in ASN.1 order, as a CA would encode it.
  const subject = typeof options.subject === 'string' || options.subject === undefined ? nameFromRfc4514(options.subject ?? 'CN=crafted') : options.subject;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.isCa === true, undefined, true),
    new x509.KeyUsagesExtension(options.isCa ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature, true),
    ...(options.isCa ? [] : [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ...(options.sans ? [new x509.SubjectAlternativeNameExtension(options.sans)] : []),
    ...(options.extensions ?? []),
  ];
  if (options.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(options.issuer.keys.publicKey));
  const serial = webcrypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0] & 0x7f) | 0x01;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(serial).toString('hex'),
    subject,
    issuer: options.issuer ? options.issuer.cert.subjectName : subject,
    notBefore: options.notBefore ?? new Date(Date.now() - 3_600_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 86_400_000),
    publicKey: keys.publicKey,
    signingKey: options.issuer?.keys.privateKey ?? keys.privateKey,
    signingAlgorithm: EC,
    extensions,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey)).toString('base64');
  return {
    certPem: `${cert.toString('pem')}\n`,
    keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`,
    der: new Uint8Array(cert.rawData),
    cert,
    keys,
  };
}

/** An unknown extension whose value is `size` bytes (an OCTET STRING, so it is valid DER). */
export function bulkyExtension(size: number, critical = false, oid = '1.3.6.1.4.1.55555.1'): x509.Extension {
  return new x509.Extension(oid, critical, tlv(0x04, new Uint8Array(size).fill(0x41)).buffer as ArrayBuffer);
}

export function base64Der(der: Uint8Array): string {
  return Buffer.from(der).toString('base64');
}

export function pemOf(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${(base64Der(der).match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
}
