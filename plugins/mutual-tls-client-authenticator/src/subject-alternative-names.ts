/**
 * subjectAltName entries (RFC 5280 §4.2.1.6) and the RFC 8705 §2.1.2 matchers for
 * `tls_client_auth_san_dns`, `_san_uri`, `_san_email` and `_san_ip`. Matching is exact: a
 * registration names one identity, so nothing is expanded (no wildcards) and nothing is guessed.
 */
import type { SubjectAlternativeNames } from '../../../core/api/index.ts';
import { x509 } from './x509.ts';
import { parseIpAddress } from './ip-address.ts';

export type { SubjectAlternativeNames } from '../../../core/api/index.ts';

/**
 * The DNS, URI, IP and email entries, in certificate order (read by the core's X.509 service).
 * Throws the service's `DerError` if `der` is not a certificate or its subjectAltName is malformed.
 */
export function certificateSans(der: Uint8Array): SubjectAlternativeNames {
  return x509().subjectAltNames(der);
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
  return wanted !== null && sansOf(der).ip.some((ip) => x509().bytesEqual(ip, wanted));
}

/** Matchers answer false, never throw, for a certificate they cannot read. */
function sansOf(der: Uint8Array): SubjectAlternativeNames {
  try {
    return certificateSans(der);
  } catch (e) {
    if (e instanceof x509().DerError) return { dns: [], uri: [], ip: [], email: [] };
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
