/**
 * The subjectAltName entries (RFC 5280 §4.2.1.6) of a certificate as the text RFC 8705 §2.1.2
 * registrations use (`tls_client_auth_san_dns`, `_san_uri`, `_san_ip`, `_san_email`). The matchers
 * live in the mutual-TLS bundle; this is what the admin API shows a person about to register one.
 */
import { ExtensionOid, readCertificateFields } from './certificate-fields.ts';
import { Tag, childrenOf, readSingle } from './der.ts';

export interface SubjectAltNameTexts {
  readonly dns: string[];
  readonly uri: string[];
  /** IPv4 dotted, IPv6 in its RFC 5952 compressed form. */
  readonly ip: string[];
  readonly email: string[];
}

// GeneralName context tags (IMPLICIT, primitive).
const RFC822_NAME = 0x81;
const DNS_NAME = 0x82;
const URI = 0x86;
const IP_ADDRESS = 0x87;

/** In certificate order; other kinds and non-ASCII IA5Strings are skipped. Throws `DerError` when malformed. */
export function subjectAltNameTexts(der: Uint8Array): SubjectAltNameTexts {
  const sans: SubjectAltNameTexts = { dns: [], uri: [], ip: [], email: [] };
  const ext = readCertificateFields(der).extensions.get(ExtensionOid.SUBJECT_ALT_NAME);
  if (!ext) return sans;
  for (const name of childrenOf(readSingle(ext.value, Tag.SEQUENCE))) {
    const c = name.content;
    if (name.tag === IP_ADDRESS) {
      const ip = ipText(c);
      if (ip) sans.ip.push(ip);
      continue;
    }
    const list = name.tag === DNS_NAME ? sans.dns : name.tag === URI ? sans.uri : name.tag === RFC822_NAME ? sans.email : null;
    if (list && c.every((b) => b < 0x80)) list.push(Buffer.from(c).toString('latin1'));
  }
  return sans;
}

function ipText(octets: Uint8Array): string | null {
  if (octets.length === 4) return Array.from(octets).join('.');
  if (octets.length !== 16) return null;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((octets[i] << 8) | octets[i + 1]).toString(16));
  // The WHATWG URL parser compresses IPv6 as RFC 5952 says (longest zero run, lower case).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
