/**
 * subjectAltName entries (RFC 5280 §4.2.1.6) of the kinds RFC 8705 §2.1.2 matches: DNS, URI, IP and
 * email, in certificate order, read from the DER as encoded.
 */
import type { SubjectAlternativeNames } from '../api/x509.ts';
import { ExtensionOid, readCertificateFields } from './certificate-fields.ts';
import { Tag, childrenOf, readSingle } from './der.ts';

export type { SubjectAlternativeNames };

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

/** The same entries as the text RFC 8705 §2.1.2 registrations use (what the admin API shows a person). */
export interface SubjectAltNameTexts {
  readonly dns: string[];
  readonly uri: string[];
  /** IPv4 dotted, IPv6 in its RFC 5952 compressed form. */
  readonly ip: string[];
  readonly email: string[];
}

export function subjectAltNameTexts(der: Uint8Array): SubjectAltNameTexts {
  const sans = certificateSans(der);
  return { ...sans, ip: sans.ip.map(ipText) };
}

function ipText(octets: Uint8Array): string {
  if (octets.length === 4) return Array.from(octets).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((octets[i] << 8) | octets[i + 1]).toString(16));
  // The WHATWG URL parser compresses IPv6 as RFC 5952 says (longest zero run, lower case).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
