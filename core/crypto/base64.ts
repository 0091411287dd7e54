/**
 * Strict base64 decoding. Node's `Buffer.from(s, 'base64')` silently skips characters outside the
 * alphabet, so a corrupted value would decode to *something*; callers handling untrusted input need
 * a decoder that says no instead.
 */

const STANDARD = /^[A-Za-z0-9+/]*$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes standard (`+/`) or base64url (`-_`) text, padded or not. Returns null for anything else:
 * characters outside one alphabet, mixed alphabets, wrong or misplaced padding, an impossible length.
 * Whitespace is not skipped: strip it first where the format allows it.
 */
export function decodeBase64(text: string): Uint8Array | null {
  let body = text;
  const padStart = body.indexOf('=');
  if (padStart !== -1) {
    const padding = body.slice(padStart);
    if (padding !== '=' && padding !== '==') return null;
    if (body.length % 4 !== 0) return null;
    body = body.slice(0, padStart);
  }
  // A lone trailing character carries 6 bits: no whole byte, so no encoder produces it.
  if (body.length % 4 === 1) return null;
  if (!STANDARD.test(body) && !URL_SAFE.test(body)) return null;
  // Copied out of Buffer's shared pool: a view would expose (and pin) unrelated memory via `.buffer`.
  return new Uint8Array(Buffer.from(body, URL_SAFE.test(body) ? 'base64url' : 'base64'));
}
