/**
 * Registered certificates (the WSO2 "application certificate", RFC 8705 §2.2 self-signed client
 * certificates) and JWK Sets: each certificate must parse as X.509, and a JWK Set holds public keys
 * only. Certificates are stored as one normalised PEM block each.
 */
import { X509Certificate } from 'node:crypto';
import { decodeBase64 } from '../crypto/base64.ts';
import { decodePem, derToPem } from '../crypto/pem.ts';

/** The `certificate` field as sent: PEM text (one or more blocks) or an array of PEM texts. */
export type CertificateInput = string | readonly string[];

export type CertificateParse =
  | { readonly pems: string[] }
  /** `index`: which array entry (absent when the field is one string); `block`: which PEM block in it. */
  | { readonly problem: string; readonly index?: number };

/** Members that only a private or symmetric JWK has (RFC 7518 §6). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

function isCertificate(der: Uint8Array): boolean {
  try {
    new X509Certificate(der);
    return true;
  } catch {
    return false;
  }
}

/** Every certificate of the field, as normalised PEM, duplicates removed; or what is wrong. */
export function parseCertificateInput(input: CertificateInput): CertificateParse {
  const texts = typeof input === 'string' ? [input] : input;
  const pems: string[] = [];
  for (const [i, text] of texts.entries()) {
    const index = typeof input === 'string' ? undefined : i;
    const decoded = decodePem(text);
    if ('problem' in decoded) return { problem: `is not PEM certificate text (${decoded.problem})`, index };
    for (const [j, der] of decoded.ders.entries()) {
      if (!isCertificate(der)) {
        const block = decoded.ders.length > 1 ? ` (PEM block ${j + 1})` : '';
        return { problem: `does not parse as an X.509 certificate${block}`, index };
      }
      const pem = derToPem(der);
      if (!pems.includes(pem)) pems.push(pem);
    }
  }
  return { pems };
}

/** What is wrong with a JWK Set registered as `jwks`, or null. Paths are relative to `jwks`. */
export function jwksProblem(jwks: { keys: readonly Record<string, unknown>[] }): { path: (string | number)[]; message: string } | null {
  for (const [i, key] of jwks.keys.entries()) {
    const secret = PRIVATE_JWK_MEMBERS.find((m) => m in key);
    if (secret) return { path: ['keys', i, secret], message: `a registered JWK Set holds public keys only; remove "${secret}"` };
    const x5c = key.x5c;
    if (x5c === undefined) continue;
    if (!Array.isArray(x5c) || x5c.length === 0) return { path: ['keys', i, 'x5c'], message: 'must be a non-empty array of base64 DER certificates' };
    for (const [j, entry] of x5c.entries()) {
      // RFC 7517 §4.7: base64 (not base64url) DER.
      const der = typeof entry === 'string' && /^[A-Za-z0-9+/=\s]+$/.test(entry) ? decodeBase64(entry.replace(/\s+/g, '')) : null;
      if (!der || !isCertificate(der)) return { path: ['keys', i, 'x5c', j], message: 'does not parse as an X.509 certificate (base64 DER)' };
    }
  }
  return null;
}

/** How many certificates a client registers: its PEMs plus the leaf of every `x5c` in its JWK Set. */
export function certificateCount(pems: readonly string[], jwks: { keys: readonly Record<string, unknown>[] } | null): number {
  return pems.length + (jwks?.keys.filter((k) => Array.isArray(k.x5c) && k.x5c.length > 0).length ?? 0);
}
