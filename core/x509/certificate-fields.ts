/**
 * The parts of an X.509 certificate (RFC 5280 §4.1) that matching and path building need, read from
 * the DER itself. Signatures are left to Node (OpenSSL); this only locates fields.
 */
import type { CertificateExtension, CertificateFields } from '../api/x509.ts';
import { DerError, Tag, type Tlv, childrenOf, decodeOid, readSingle } from './der.ts';

export type { CertificateExtension, CertificateFields };

export const ExtensionOid = {
  SUBJECT_KEY_ID: '2.5.29.14',
  KEY_USAGE: '2.5.29.15',
  SUBJECT_ALT_NAME: '2.5.29.17',
  BASIC_CONSTRAINTS: '2.5.29.19',
  AUTHORITY_KEY_ID: '2.5.29.35',
} as const;

/** Throws `DerError` when `der` is not one well-formed certificate. */
export function readCertificateFields(der: Uint8Array): CertificateFields {
  const certificate = childrenOf(readSingle(der, Tag.SEQUENCE));
  if (certificate.length !== 3) throw new DerError('certificate is not a 3-element SEQUENCE');
  const tbs = childrenOf(certificate[0], Tag.SEQUENCE);
  let i = tbs[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT version, absent for v1
  const serial = tbs[i++];
  const signature = tbs[i++];
  const issuer = tbs[i++];
  const validity = tbs[i++];
  const subject = tbs[i++];
  const spki = tbs[i++];
  if (!spki || serial.tag !== Tag.INTEGER || signature.tag !== Tag.SEQUENCE || spki.tag !== Tag.SEQUENCE) {
    throw new DerError('malformed TBSCertificate');
  }
  if (issuer.tag !== Tag.SEQUENCE || subject.tag !== Tag.SEQUENCE) throw new DerError('malformed Name');
  const times = childrenOf(validity, Tag.SEQUENCE);
  if (times.length !== 2) throw new DerError('malformed Validity');

  let extensions = new Map<string, CertificateExtension>();
  for (; i < tbs.length; i++) {
    const tag = tbs[i].tag;
    if (tag === 0xa3) extensions = readExtensions(tbs[i]);
    else if (tag !== 0x81 && tag !== 0x82 && tag !== 0xa1 && tag !== 0xa2) throw new DerError('unexpected TBSCertificate field');
  }
  return { issuer, subject, notBefore: readTime(times[0]), notAfter: readTime(times[1]), extensions };
}

/** basicConstraints, or null when the certificate has none (a v1 root, or an end entity). */
export function basicConstraints(fields: CertificateFields): { ca: boolean; pathLength: number | null } | null {
  const ext = fields.extensions.get(ExtensionOid.BASIC_CONSTRAINTS);
  if (!ext) return null;
  const items = childrenOf(readSingle(ext.value, Tag.SEQUENCE));
  let ca = false;
  let pathLength: number | null = null;
  for (const item of items) {
    if (item.tag === Tag.BOOLEAN) ca = item.content.length === 1 && item.content[0] !== 0;
    else if (item.tag === Tag.INTEGER) pathLength = smallInteger(item);
    else throw new DerError('malformed basicConstraints');
  }
  return { ca, pathLength };
}

/** Whether keyUsage allows signing certificates; null when the extension is absent (no restriction). */
export function allowsCertificateSigning(fields: CertificateFields): boolean | null {
  const ext = fields.extensions.get(ExtensionOid.KEY_USAGE);
  if (!ext) return null;
  const bits = readSingle(ext.value, Tag.BIT_STRING).content;
  // keyCertSign is bit 5: second content octet (after the unused-bits count), mask 0x04.
  return bits.length >= 2 && (bits[1] & 0x04) !== 0;
}

/** subjectKeyIdentifier octets, or null. Used to try the likeliest issuer first, never to decide. */
export function subjectKeyId(fields: CertificateFields): Uint8Array | null {
  const ext = fields.extensions.get(ExtensionOid.SUBJECT_KEY_ID);
  return ext ? readSingle(ext.value, Tag.OCTET_STRING).content : null;
}

/** authorityKeyIdentifier keyIdentifier ([0]) octets, or null. */
export function authorityKeyId(fields: CertificateFields): Uint8Array | null {
  const ext = fields.extensions.get(ExtensionOid.AUTHORITY_KEY_ID);
  if (!ext) return null;
  const keyId = childrenOf(readSingle(ext.value, Tag.SEQUENCE)).find((t) => t.tag === 0x80);
  return keyId ? keyId.content : null;
}

function readExtensions(wrapper: Tlv): Map<string, CertificateExtension> {
  const list = childrenOf(wrapper);
  if (list.length !== 1) throw new DerError('malformed extensions');
  const out = new Map<string, CertificateExtension>();
  for (const ext of childrenOf(list[0], Tag.SEQUENCE)) {
    const parts = childrenOf(ext, Tag.SEQUENCE);
    const oid = parts[0]?.tag === Tag.OID ? decodeOid(parts[0].content) : null;
    const critical = parts.length === 3 && parts[1].tag === Tag.BOOLEAN && parts[1].content[0] !== 0;
    const value = parts[parts.length - 1];
    if (!oid || parts.length < 2 || parts.length > 3 || value.tag !== Tag.OCTET_STRING) throw new DerError('malformed extension');
    // RFC 5280 §4.2: at most one instance of an extension; two SANs would make matching ambiguous.
    if (out.has(oid)) throw new DerError(`duplicate extension ${oid}`);
    out.set(oid, { critical, value: value.content });
  }
  return out;
}

function readTime(tlv: Tlv): Date {
  const text = Buffer.from(tlv.content).toString('latin1');
  let match: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === Tag.UTC_TIME && (match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 §4.1.2.5.1
  } else if (tlv.tag === Tag.GENERALIZED_TIME && (match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    year = Number(match[1]);
  } else {
    throw new DerError('malformed time');
  }
  const [month, day, hour, minute, second] = match.slice(2).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 31 February over into March: a round trip catches impossible dates.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new DerError('impossible date');
  }
  return date;
}

function smallInteger(tlv: Tlv): number {
  const c = tlv.content;
  if (c.length === 0 || c.length > 4 || c[0] & 0x80) throw new DerError('unsupported INTEGER');
  return c.reduce((n, b) => n * 256 + b, 0);
}
