import { randomBytes } from 'node:crypto';

/** A high-entropy, URL-safe token (codes, opaque tokens, ids): 256 bits unless asked otherwise. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
