/**
 * subjectAltName entries (RFC 5280 §4.2.1.6) and the RFC 8705 §2.1.2 matchers for
 * `tls_client_auth_san_dns`, `_san_uri`, `_san_email` and `_san_ip`. Matching is exact: a
 * registration names one identity, so nothing is expanded (no wildcards) and nothing is guessed.
 */
import { ExtensionOid, readCertificateFields } from '../../../core/x509/certificate-fields.ts';
import { DerError, Tag, bytesEqual, childrenOf, readSingle } from '../../../core/x509/der.ts';
import { parseIpAddress } from './ip-address.ts';

export interface SubjectAlternativeNames {
  readonly dns: string[];
  readonly uri: string[];
  /** 4 octets (IPv4) or 16 (IPv6), as encoded. */
  readonly ip: Uint8Array[];
  readonly email: string[];
}

// GeneralName context tags (IMPLICIT, primitive).
const RFC822_NAME = 0x81;
const DNS_NAME = 0x82;
const URI = 0x86;
const IP_ADDRESS = 0x87;

/**
 * The DNS, URI, IP and email entries, in certificate order; other kinds are skipped, and so are
 * IA5String entries with non-ASCII octets (invalid, so they cannot be what was registered).
 * Throws `DerError` if `der` is not a certificate or its subjectAltName is malformed.
 */
export function certificateSans(der: Uint8Array): SubjectAlternativeNames {
  const sans: SubjectAlternativeNames = { dns: [], uri: [], ip: [], email: [] };
  const ext = readCertificateFields(der).extensions.get(ExtensionOid.SUBJECT_ALT_NAME);
  if (!ext) return sans;
  for (const name of childrenOf(readSingle(ext.value, Tag.SEQUENCE))) {
    const c = name.content;
    if (name.tag === IP_ADDRESS) {
      if (c.length === 4 || c.length === 16) sans.ip.push(Uint8Array.from(c));
      continue;
    }
    const list = name.tag === DNS_NAME ? sans.dns : name.tag === URI ? sans.uri : name.tag === RFC822_NAME ? sans.email : null;
    if (list && c.every((b) => b < 0x80)) list.push(Buffer.from(c).toString('latin1'));
  }
  return sans;
}

/** `tls_client_auth_san_dns`: ASCII case-insensitive, one trailing dot ignored, no wildcard expansion. */
export function sanDnsMatches(registered: string, der: Uint8Array): boolean {
  const wanted = dnsKey(registered);
  return wanted !== '' && sansOf(der).dns.some((dns) => dnsKey(dns) === wanted);
}

/** `tls_client_auth_san_uri`: the exact string. */
export function sanUriMatches(registered: string, der: Uint8Array): boolean {
  return registered !== '' && sansOf(der).uri.some((uri) => uri === registered);
}

/** `tls_client_auth_san_email`: local part exact (RFC 5321 lets it be case-sensitive), domain ASCII case-insensitive. */
export function sanEmailMatches(registered: string, der: Uint8Array): boolean {
  const wanted = emailKey(registered);
  return wanted !== '' && sansOf(der).email.some((email) => emailKey(email) === wanted);
}

/**
 * `tls_client_auth_san_ip`: the registered text parsed to octets and compared with each iPAddress
 * entry. IPv4 and IPv6 never match each other: `::ffff:192.0.2.1` (16 octets) is not the 4-octet
 * 192.0.2.1 SAN, because RFC 8705 compares binary forms and the CA chose the encoding.
 * A registration that does not parse matches nothing.
 */
export function sanIpMatches(registered: string, der: Uint8Array): boolean {
  const wanted = parseIpAddress(registered);
  return wanted !== null && sansOf(der).ip.some((ip) => bytesEqual(ip, wanted));
}

/** Matchers answer false, never throw, for a certificate they cannot read. */
function sansOf(der: Uint8Array): SubjectAlternativeNames {
  try {
    return certificateSans(der);
  } catch (e) {
    if (e instanceof DerError) return { dns: [], uri: [], ip: [], email: [] };
    throw e;
  }
}

function dnsKey(name: string): string {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  // ASCII only: toLowerCase() would also fold non-ASCII look-alikes (e.g. the Kelvin sign to "k").
  return trimmed.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function emailKey(address: string): string {
  const at = address.lastIndexOf('@');
  if (at === -1) return address;
  return address.slice(0, at + 1) + address.slice(at + 1).replace(/[A-Z]/g, (c) => c.toLowerCase());
}
