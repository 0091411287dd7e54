/**
 * RFC 5280 §4.2.1.3: a certificate with a keyUsage extension may use its key only as listed. TLS
 * client authentication signs the handshake (CertificateVerify), which needs digitalSignature: a
 * leaf whose keyUsage leaves it out (say, keyEncipherment only) is not a client credential, whether
 * it came from the TLS handshake or a proxy's header, and whatever the method. No extension means no
 * restriction. Security review #15 item 4: such a certificate used to authenticate.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { x509 } from './x509.ts';

/** False when the certificate's keyUsage lacks digitalSignature (bit 0), or is malformed. */
export function allowsDigitalSignature(der: Uint8Array): boolean {
  const { readCertificateFields, readSingle, Tag, ExtensionOid, DerError } = x509();
  try {
    const ext = readCertificateFields(der).extensions.get(ExtensionOid.KEY_USAGE);
    if (!ext) return true;
    const bits = readSingle(ext.value, Tag.BIT_STRING).content;
    // First content octet: unused-bit count; digitalSignature is the first bit of the next, 0x80.
    return bits.length >= 2 && (bits[1] & 0x80) !== 0;
  } catch (e) {
    if (e instanceof DerError) return false;
    throw e;
  }
}

/**
 * Verdicts by the certificate's SHA-256: a client presents the same certificate on every request.
 * At most VERDICT_LIMIT kept, the oldest first out (lru-cache).
 */
const VERDICT_LIMIT = 1024;

export class KeyUsageVerdicts {
  private readonly verdicts = new LRUCache<string, boolean>({ max: VERDICT_LIMIT });

  allows(der: Uint8Array): boolean {
    const id = createHash('sha256').update(der).digest('hex');
    let verdict = this.verdicts.get(id);
    if (verdict === undefined) this.verdicts.set(id, (verdict = allowsDigitalSignature(der)));
    return verdict;
  }
}
