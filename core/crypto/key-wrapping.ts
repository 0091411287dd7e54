/**
 * `[server] key_encryption_key_file`: stored private signing keys (and client_secret_jwt secrets,
 * store/wrapped-client-secrets.ts) are wrapped with a key that lives outside the database (as
 * Keycloak's and WSO2's keystores are), so a copied database or backup alone cannot sign tokens
 * (or client assertions). AES-256-GCM from node:crypto; the 256-bit key is HKDF-SHA-256 of the
 * file's contents (at least 32 bytes, e.g. `openssl rand -base64 32`), and each record's
 * tenant/server/kid is the additional data, so a wrapped key cannot be moved to another record.
 *
 * Stored form: `wrapped:v1:<key id>:<iv>:<ciphertext+tag>` (base64url). A key stored before the
 * setting was made stays plain JSON and keeps working; a wrapped one without the file, or with
 * another file, is refused with a message naming the setting.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const PREFIX = 'wrapped:v1:';
const MIN_FILE_BYTES = 32;
const SETTING = '[server] key_encryption_key_file';

export class KeyWrapError extends Error {
  override readonly name = 'KeyWrapError';
}

export class KeyWrapper {
  /** Names the key (a hash of it) in wrapped records, so a wrong file is told apart from corruption. */
  readonly id: string;

  private constructor(private readonly key: Buffer) {
    this.id = createHash('sha256').update('tessera key id').update(key).digest('base64url').slice(0, 12);
  }

  static fromFile(file: string): KeyWrapper {
    // Raw bytes (a binary key works); surrounding whitespace dropped, so an editor's newline or a
    // copy with CRLF line ends still gives the same key.
    const material = trimAsciiWhitespace(readFileSync(file));
    if (material.length < MIN_FILE_BYTES) {
      throw new KeyWrapError(`${SETTING}: ${file} holds ${material.length} bytes; it needs at least ${MIN_FILE_BYTES} random ones (openssl rand -base64 32 > ${file})`);
    }
    return new KeyWrapper(Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'tessera signing-key wrapping v1', 32)));
  }

  wrap(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.id}:${iv.toString('base64url')}:${sealed.toString('base64url')}`;
  }

  unwrapOwn(stored: string, context: string, what: string): string {
    const [id, iv, sealed] = stored.slice(PREFIX.length).split(':');
    if (id !== this.id) throw new KeyWrapError(`${what} was wrapped with another key (id ${id}) than ${SETTING} names (id ${this.id}): set it to the file the key was stored with`);
    const bytes = Buffer.from(sealed ?? '', 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv ?? '', 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyWrapError(`${what} does not decrypt with ${SETTING}: the stored value is damaged or belongs to another record`);
    }
  }
}

export function isWrapped(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** The plain value of a stored private key: unwrapped when wrapped, as is when stored before wrapping. */
export function unwrapStored(stored: string, wrapper: KeyWrapper | null, context: string, what: string): string {
  if (!isWrapped(stored)) return stored;
  if (!wrapper) throw new KeyWrapError(`${what} is stored encrypted: set ${SETTING} to the file it was stored with`);
  return wrapper.unwrapOwn(stored, context, what);
}

function trimAsciiWhitespace(bytes: Buffer): Buffer {
  const space = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
  let start = 0;
  let end = bytes.length;
  while (start < end && space(bytes[start])) start++;
  while (end > start && space(bytes[end - 1])) end--;
  return bytes.subarray(start, end);
}
