/**
 * The certificates a `self_signed_tls_client_auth` client registered (RFC 8705 §2.2.2): PEM
 * `certificates` (the WSO2 "application certificate"; several allow rotation) and the first `x5c`
 * entry of each key of a JWK Set (`jwks`, or the document behind `jwks_uri`). Entries that do not
 * decode are skipped: they cannot equal a presented certificate, so skipping never lets anyone in.
 */
import { x509 } from './x509.ts';

/** DERs of the PEM CERTIFICATE blocks in the registered texts (one-line, folded or multi-line). */
export function pemCertificates(texts: readonly string[]): Uint8Array[] {
  const ders: Uint8Array[] = [];
  for (const text of texts) {
    if (typeof text !== 'string') continue;
    // The core's PEM decoder; a text it refuses is skipped whole (it can match no certificate).
    const decoded = x509().decodePem(text);
    if ('ders' in decoded) ders.push(...decoded.ders);
  }
  return ders;
}

/**
 * The certificate of each key of a JWK Set: `x5c[0]` (RFC 7517 §4.7: the first certificate holds the
 * key; the rest certify it). At most `limit` certificates are taken.
 */
export function jwksCertificates(jwks: unknown, limit = Number.POSITIVE_INFINITY): Uint8Array[] {
  const keys = isJwkSet(jwks) ? jwks.keys : [];
  const ders: Uint8Array[] = [];
  for (const key of keys) {
    if (ders.length >= limit) break;
    if (typeof key !== 'object' || key === null) continue;
    const x5c = (key as Record<string, unknown>).x5c;
    if (!Array.isArray(x5c) || typeof x5c[0] !== 'string') continue;
    const der = base64Der(x5c[0].replace(/\s+/g, ''));
    if (der) ders.push(der);
  }
  return ders;
}

function isJwkSet(value: unknown): value is { keys: unknown[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys);
}

/** Standard base64 (RFC 7517 x5c and PEM are not base64url) of something that starts as DER. */
function base64Der(text: string): Uint8Array | null {
  if (text === '' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const der = new Uint8Array(Buffer.from(text, 'base64'));
  return der[0] === 0x30 ? der : null;
}

/** Whether `der` is byte for byte one of `registered`. */
export function containsCertificate(registered: readonly Uint8Array[], der: Uint8Array): boolean {
  const presented = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  return registered.some((r) => presented.equals(r));
}
