import { createHash } from 'node:crypto';

/** RFC 8705 §3.1 `x5t#S256`: base64url (no padding) of the SHA-256 of the certificate's DER. */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}
