/**
 * A certificate parsed once for path building: OpenSSL's view (for signatures) and our DER view
 * (for names, validity and constraints), checked to be the same bytes.
 */
import type { CertificateFields } from '../../../core/api/index.ts';
import { x509 } from './x509.ts';
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';

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

/**
 * Parsed certificates by SHA-256 of their DER. A client presents the same certificate on every
 * request (and on every new connection), and parsing it twice (OpenSSL and our DER reader) was the
 * largest cost of a tls_client_auth request. Entries keep their own copy of the bytes and a hit is
 * compared byte for byte, so a caller changing its buffer later can never get stale fields.
 * Bounded; the least recently used goes first. Failures are not cached.
 */
const CACHE_LIMIT = 512;
const cache = new LRUCache<string, PreparedCertificate>({ max: CACHE_LIMIT });
const byArray = new WeakMap<Uint8Array, PreparedCertificate>();

/** Throws `DerError` when `der` is not exactly one certificate both parsers read. */
export function prepareCertificate(der: Uint8Array): PreparedCertificate {
  // The core hands the same DER array to every request of a connection: found by the array, no hash.
  const known = byArray.get(der);
  if (known && sameBytes(known, der)) return known;
  const id = createHash('sha256').update(der).digest('hex');
  let prepared = cache.get(id);
  if (!prepared || !sameBytes(prepared, der)) {
    prepared = parse(new Uint8Array(der), id);
    cache.set(id, prepared);
  }
  byArray.set(der, prepared);
  return prepared;
}

function sameBytes(prepared: PreparedCertificate, der: Uint8Array): boolean {
  return Buffer.from(prepared.der.buffer, prepared.der.byteOffset, prepared.der.byteLength).equals(der);
}

function parse(der: Uint8Array, id: string): PreparedCertificate {
  const fields = x509().readCertificateFields(der);
  let node: X509Certificate;
  const buffer = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  try {
    node = new X509Certificate(buffer);
  } catch {
    throw new (x509().DerError)('OpenSSL cannot parse the certificate');
  }
  // Node also accepts PEM and ignores trailing bytes; insist both parsers saw the same certificate.
  if (!node.raw.equals(buffer)) throw new (x509().DerError)('certificate encoding differs from its DER');
  const skid = x509().subjectKeyId(fields);
  const akid = x509().authorityKeyId(fields);
  // A signature checked once against an issuer's key (identified by the issuer's DER hash) stays checked.
  const verdicts = new Map<string, boolean>();
  return {
    der,
    id,
    fields,
    subjectName: x509().toHex(fields.subject.encoded),
    issuerName: x509().toHex(fields.issuer.encoded),
    basicConstraints: x509().basicConstraints(fields),
    canSignCertificates: x509().allowsCertificateSigning(fields),
    subjectKeyId: skid && x509().toHex(skid),
    authorityKeyId: akid && x509().toHex(akid),
    publicKey: node.publicKey,
    verifiedBy(issuer) {
      let verdict = verdicts.get(issuer.id);
      if (verdict === undefined) {
        try {
          verdict = node.verify(issuer.publicKey);
        } catch {
          verdict = false; // e.g. an RSA signature checked with an EC key
        }
        if (verdicts.size < 16) verdicts.set(issuer.id, verdict);
      }
      return verdict;
    },
  };
}
