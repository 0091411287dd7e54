/**
 * X.509 reading offered to bundles at run time (`ctx.services.x509`): DER walking, certificate
 * fields, RFC 4514 names, subjectAltName entries, thumbprints, validity and the helpers path building
 * needs. The code lives in the core (core/x509) and is handed in, so a fix there reaches every bundle
 * already built; a bundle never copies it.
 *
 * Malformed input throws `x509.DerError` (DER) or `x509.DnSyntaxError` (an RFC 4514 string): test
 * with `err instanceof ctx.services.x509.DerError`.
 */

/** One DER element: `tag` is the whole identifier octet (class, constructed bit and number). */
export interface Tlv {
  readonly tag: number;
  /** The whole element, identifier and length included (what RFC 4514 `#hex` and name comparison use). */
  readonly encoded: Uint8Array;
  readonly content: Uint8Array;
}

export interface CertificateExtension {
  readonly critical: boolean;
  /** The content of `extnValue` (the DER of the extension's own structure). */
  readonly value: Uint8Array;
}

export interface CertificateFields {
  /** The issuer Name, encoded: RFC 5280 path building compares it with the issuer's subject. */
  readonly issuer: Tlv;
  readonly subject: Tlv;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** By dotted OID. */
  readonly extensions: ReadonlyMap<string, CertificateExtension>;
}

/** One attribute of an RDN. At least one of `text` and `ber` is set. */
export interface DnAttribute {
  /** Dotted OID, whatever name the string used. */
  readonly type: string;
  /** The value as text, or null when it is only known as a non-string encoding. */
  readonly text: string | null;
  /** The BER/DER encoding of the value, when known (`#hex` in a string, or read from a certificate). */
  readonly ber: Uint8Array | null;
}

/** A relative distinguished name (`+` in RFC 4514); attribute order is insignificant. */
export type Rdn = readonly DnAttribute[];

/** subjectAltName entries (RFC 5280 §4.2.1.6) of the kinds RFC 8705 matches, in certificate order. */
export interface SubjectAlternativeNames {
  readonly dns: string[];
  readonly uri: string[];
  /** 4 octets (IPv4) or 16 (IPv6), as encoded. */
  readonly ip: Uint8Array[];
  readonly email: string[];
}

/** What `decodePem` answers: the DERs of the blocks, or what is wrong with the text. */
export type PemDecodeResult = { readonly ders: Uint8Array[] } | { readonly problem: string };

/** `ctx.services.x509`: the core's X.509 code, one copy for every bundle. */
export interface X509Service {
  /** Thrown for malformed DER. */
  readonly DerError: new (message: string) => Error;
  /** Thrown by `parseDn` for a string that is not an RFC 4514 name. */
  readonly DnSyntaxError: new (message: string) => Error;
  /** Universal tag octets (SEQUENCE, OID, BIT_STRING, ...). */
  readonly Tag: Readonly<Record<'BOOLEAN' | 'INTEGER' | 'BIT_STRING' | 'OCTET_STRING' | 'OID' | 'SEQUENCE' | 'SET' | 'UTF8_STRING' | 'PRINTABLE_STRING' | 'IA5_STRING' | 'UTC_TIME' | 'GENERALIZED_TIME', number>>;
  /** Dotted OIDs of the extensions the core reads. */
  readonly ExtensionOid: Readonly<Record<'SUBJECT_KEY_ID' | 'KEY_USAGE' | 'SUBJECT_ALT_NAME' | 'BASIC_CONSTRAINTS' | 'AUTHORITY_KEY_ID', string>>;

  // DER
  /** The one element `buf` holds (optionally of `tag`); throws DerError on trailing bytes. */
  readSingle(buf: Uint8Array, tag?: number): Tlv;
  /** The elements inside a constructed element (optionally checking its tag). */
  childrenOf(tlv: Tlv, tag?: number): Tlv[];
  /** Dotted form of an OID's content octets. */
  decodeOid(content: Uint8Array): string;
  toHex(bytes: Uint8Array): string;
  bytesEqual(a: Uint8Array, b: Uint8Array): boolean;

  // Certificates
  /** Names, validity and extensions of one certificate; throws DerError unless `der` is exactly one. */
  readCertificateFields(der: Uint8Array): CertificateFields;
  /** notBefore / notAfter; throws DerError for a malformed certificate. */
  validity(der: Uint8Array): { readonly notBefore: Date; readonly notAfter: Date };
  basicConstraints(fields: CertificateFields): { ca: boolean; pathLength: number | null } | null;
  /** Whether keyUsage allows keyCertSign; null when the extension is absent. */
  allowsCertificateSigning(fields: CertificateFields): boolean | null;
  subjectKeyId(fields: CertificateFields): Uint8Array | null;
  authorityKeyId(fields: CertificateFields): Uint8Array | null;
  /** DNS, URI, IP and email entries; throws DerError when the certificate or extension is malformed. */
  subjectAltNames(der: Uint8Array): SubjectAlternativeNames;
  /** base64url(SHA-256(der)) — RFC 8705 §3.1 `x5t#S256`. */
  thumbprint(der: Uint8Array): string;
  /**
   * Every `label` (default CERTIFICATE) block of a PEM text (RFC 7468), in order: folded, one-line
   * and CRLF layouts are accepted; text outside the blocks or a bad base64 body is a problem. Never throws.
   */
  decodePem(text: string, label?: string): PemDecodeResult;

  // RFC 4514 names
  parseDn(value: string): Rdn[];
  /** RFC 4517 distinguishedNameMatch of two strings. */
  dnEquals(a: string, b: string): boolean;
  /** Whether a registered DN string names the certificate's subject (RFC 8705 §2.1.2). */
  dnMatchesCertificate(registered: string, der: Uint8Array): boolean;
  /** The certificate's subject as an RFC 4514 string. */
  certificateSubjectDn(der: Uint8Array): string;
}
