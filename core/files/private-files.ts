/**
 * The data folder holds the private signing keys, the server's TLS key and the SQLite database
 * (sessions, tokens' hashes, users' password hashes): readable by its owner only (security review
 * #15 item 3: the database was 0644 in a 0755 folder, and a local user forged ID tokens with its
 * keys). Folders are created 0700 and files 0600; SQLite creates its -wal and -shm files with the
 * database file's permissions, so creating that file 0600 first covers them too. An existing folder
 * or file that others may read is not changed behind the operator's back, but warned about at start.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../api/plugin-context.ts';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Permission bits of group and others. */
const SHARED_BITS = 0o077;

export function createPrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Creates `file` empty with mode 0600 unless it exists. */
export function createPrivateFile(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
}

/** Sets 0600 on each of `files` that exists (the ones this server just created). */
export function restrictFiles(...files: string[]): void {
  for (const file of files) if (existsSync(file)) chmodSync(file, PRIVATE_FILE_MODE);
}

/** Paths in `dir` (itself included, not recursing) that group or others may access, with their modes. */
export function sharedEntries(dir: string): { path: string; mode: string }[] {
  if (process.platform === 'win32' || !existsSync(dir)) return [];
  const paths = [dir, ...readdirSync(dir).map((name) => join(dir, name))];
  const shared: { path: string; mode: string }[] = [];
  for (const path of paths) {
    const mode = statSync(path).mode & 0o777;
    if (mode & SHARED_BITS) shared.push({ path, mode: mode.toString(8).padStart(4, '0') });
  }
  return shared;
}

/** One warning per folder or file of `dir` that group or others may access. */
export function warnAboutSharedEntries(dir: string, logger: Logger): void {
  for (const entry of sharedEntries(dir)) warnShared(entry, logger);
}

/** A warning when group or others may access `file` (a key file the operator made). */
export function warnAboutSharedFile(file: string, logger: Logger): void {
  if (process.platform === 'win32' || !existsSync(file)) return;
  const mode = statSync(file).mode & 0o777;
  if (mode & SHARED_BITS) warnShared({ path: file, mode: mode.toString(8).padStart(4, '0') }, logger);
}

function warnShared(entry: { path: string; mode: string }, logger: Logger): void {
  logger.warn(
    { path: entry.path, mode: entry.mode },
    `${entry.path} is readable by other local users (mode ${entry.mode}); it may hold private keys and sessions: chmod it to 0700 (folder) or 0600 (file)`,
  );
}
