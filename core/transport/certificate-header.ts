/**
 * Reads the client certificate a TLS-terminating proxy forwards in a request header. Proxies disagree
 * on the encoding (WSO2's one-line PEM, nginx's `$ssl_client_escaped_cert`, folded or multi-line PEM,
 * bare base64 DER), so all of them are accepted; the value is untrusted text, so nothing here throws.
 */
import { X509Certificate, hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { decodeBase64 } from '../crypto/base64.ts';
import { decodePem } from '../crypto/pem.ts';

export type CertificateHeaderResult = { readonly ders: Uint8Array[] } | { readonly problem: string };

const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;

/**
 * The certificates in a forwarded-certificate header, leaf first, each checked to be exactly one
 * X.509 certificate in DER. `maxBytes` bounds the raw header (UTF-8 bytes) before any decoding work.
 */
export function parseCertificateHeader(value: string, maxBytes = 16384): CertificateHeaderResult {
  if (typeof value !== 'string') return { problem: 'header is not text' };
  // length (UTF-16 units) never exceeds the UTF-8 byte count, so the cheap test goes first.
  if (value.length > maxBytes || Buffer.byteLength(value, 'utf8') > maxBytes) return { problem: 'header too large' };

  let text = value.trim();
  if (text === '') return { problem: 'header is empty' };

  // Neither PEM nor base64 contains '%': its presence means URL encoding (nginx, Envoy).
  if (PERCENT_ESCAPE.test(text)) {
    try {
      text = decodeURIComponent(text).trim();
    } catch {
      return { problem: 'invalid percent-encoding' };
    }
  }

  let ders: Uint8Array[];
  if (text.includes('-----BEGIN')) {
    const pem = decodePem(text, 'CERTIFICATE');
    if ('problem' in pem) return pem;
    ders = pem.ders;
  } else {
    const der = decodeBase64(text.replace(/\s+/g, ''));
    if (der === null) return { problem: 'invalid base64' };
    if (der.length === 0) return { problem: 'no certificate' };
    ders = [der];
  }

  for (let i = 0; i < ders.length; i++) {
    if (!isSingleDerCertificate(ders[i])) {
      return { problem: ders.length === 1 ? 'not an X.509 certificate' : `certificate ${i + 1} is not an X.509 certificate` };
    }
  }
  return { ders };
}

/**
 * DERs already found to be exactly one certificate, by SHA-256, with their own copy of the bytes (a
 * hit is compared byte for byte). A proxy forwards the same client certificate on every request, and
 * OpenSSL 3 parsing it again cost about 0.4 ms per request. Bounded; the least recently used goes first;
 * refusals are not kept.
 */
const VERIFIED_LIMIT = 256;
const verified = new LRUCache<string, Buffer>({ max: VERIFIED_LIMIT });

function isSingleDerCertificate(der: Uint8Array): boolean {
  // A DER certificate is a SEQUENCE; checking the first byte also keeps PEM text away from the parser.
  if (der[0] !== 0x30) return false;
  const buffer = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const key = hash('sha256', buffer, 'hex');
  if (verified.get(key)?.equals(buffer)) return true;
  try {
    // Node falls back to PEM and ignores trailing bytes: `raw` (the certificate's own encoding) must
    // be the whole input, or the thumbprint would cover bytes that are not the certificate.
    if (!new X509Certificate(buffer).raw.equals(buffer)) return false;
  } catch {
    return false;
  }
  verified.set(key, Buffer.from(buffer));
  return true;
}
