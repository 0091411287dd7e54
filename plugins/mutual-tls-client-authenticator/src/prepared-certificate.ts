/**
 * A certificate parsed once for path building: OpenSSL's view (for signatures) and our DER view
 * (for names, validity and constraints), checked to be the same bytes.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import {
  type CertificateFields,
  allowsCertificateSigning,
  authorityKeyId,
  basicConstraints,
  readCertificateFields,
  subjectKeyId,
} from './certificate-fields.ts';
import { DerError, toHex } from './der.ts';

export interface PreparedCertificate {
  readonly der: Uint8Array;
  /** Hex SHA-256 of the DER: identity, for loop detection and de-duplication. */
  readonly id: string;
  readonly fields: CertificateFields;
  /** Hex of the encoded subject / issuer Name: chaining compares encodings (RFC 5280 §7.1, binary). */
  readonly subjectName: string;
  readonly issuerName: string;
  readonly basicConstraints: { readonly ca: boolean; readonly pathLength: number | null } | null;
  /** keyUsage keyCertSign; null when keyUsage is absent. */
  readonly canSignCertificates: boolean | null;
  readonly subjectKeyId: string | null;
  readonly authorityKeyId: string | null;
  readonly publicKey: KeyObject;
  /** Whether `issuer`'s key made this certificate's signature (OpenSSL, which also checks the algorithm). */
  verifiedBy(issuer: PreparedCertificate): boolean;
}

/** Throws `DerError` when `der` is not exactly one certificate both parsers read. */
export function prepareCertificate(der: Uint8Array): PreparedCertificate {
  const fields = readCertificateFields(der);
  let node: X509Certificate;
  const buffer = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  try {
    node = new X509Certificate(buffer);
  } catch {
    throw new DerError('OpenSSL cannot parse the certificate');
  }
  // Node also accepts PEM and ignores trailing bytes; insist both parsers saw the same certificate.
  if (!node.raw.equals(buffer)) throw new DerError('certificate encoding differs from its DER');
  const skid = subjectKeyId(fields);
  const akid = authorityKeyId(fields);
  return {
    der,
    id: createHash('sha256').update(der).digest('hex'),
    fields,
    subjectName: toHex(fields.subject.encoded),
    issuerName: toHex(fields.issuer.encoded),
    basicConstraints: basicConstraints(fields),
    canSignCertificates: allowsCertificateSigning(fields),
    subjectKeyId: skid && toHex(skid),
    authorityKeyId: akid && toHex(akid),
    publicKey: node.publicKey,
    verifiedBy(issuer) {
      try {
        return node.verify(issuer.publicKey);
      } catch {
        return false; // e.g. an RSA signature checked with an EC key
      }
    },
  };
}
