import { createHash } from 'node:crypto';

/** base64url(SHA-256(data)): how opaque tokens and codes are stored (never the value itself). */
export function sha256Base64Url(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url');
}
