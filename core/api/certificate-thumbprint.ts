/**
 * RFC 8705 §3.1 `x5t#S256`, in the plugin API so that the core (token binding, the admin API), the
 * bundles and the binding bundle's resource-server middleware compute the one value the same way.
 */
import { createHash } from 'node:crypto';

/** base64url (no padding) of the SHA-256 of the certificate's DER. */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}
