import { randomBytes } from 'node:crypto';

/**
 * Random bytes are drawn from the CSPRNG 4 KiB at a time and each is handed out once (as Node does
 * for randomUUID): one randomBytes call per token cost a native job each on the token endpoint,
 * which makes two (grant id, token). Used bytes are zeroed so no token lingers in the pool.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/** A high-entropy, URL-safe token (codes, opaque tokens, ids): 256 bits unless asked otherwise. */
export function randomToken(bytes = 32): string {
  if (bytes > POOL_BYTES / 4) return randomBytes(bytes).toString('base64url');
  if (offset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + bytes);
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return token;
}
