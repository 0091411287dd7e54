/**
 * `crl_files`: CRLs on local disk, read at start and re-read when a file changes (its mtime, size or
 * inode), so that an operator replacing a CRL (ideally write-then-rename) needs no restart. Files are
 * looked at (one stat each) at most once per second; the lookups in between cost nothing.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '../../../core/api/index.ts';
import type { CertificateFacts } from './certificate-facts.ts';
import { type ParsedCrl, parseCrl } from './crl.ts';

const STAT_INTERVAL_MS = 1000;

interface CrlFile {
  readonly path: string;
  /** mtime:size:ino of the version read; '' before the first read. */
  signature: string;
  crl: ParsedCrl | null;
}

export class CrlFiles {
  private readonly files: CrlFile[];
  private checkedAt = -Infinity;
  /** Bumped whenever a file is re-read: cached verdicts of an older generation are not reused. */
  generation = 0;

  /** Throws when a file cannot be read or is not a usable CRL: configuration, refused at start-up. */
  constructor(
    paths: readonly string[],
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {
    this.files = paths.map((path) => ({ path, signature: '', crl: null }));
    for (const file of this.files) {
      try {
        this.read(file, fileSignature(file.path));
      } catch (e) {
        throw new Error(`[oauth.mutualtls.revocation] crl_files: ${file.path}: ${(e as Error).message}`);
      }
    }
    this.checkedAt = now();
  }

  get size(): number {
    return this.files.length;
  }

  /** The CRLs read from disk whose issuer name is `issuer`'s subject (not yet signature-checked). */
  forIssuer(issuer: CertificateFacts): ParsedCrl[] {
    this.refresh();
    const out: ParsedCrl[] = [];
    for (const file of this.files) if (file.crl && file.crl.issuerName === issuer.subjectName) out.push(file.crl);
    return out;
  }

  /** Re-reads files that changed, at most once per second. */
  refresh(): void {
    if (this.files.length === 0) return;
    const now = this.now();
    if (now - this.checkedAt < STAT_INTERVAL_MS) return;
    this.checkedAt = now;
    for (const file of this.files) {
      let signature: string;
      try {
        signature = fileSignature(file.path);
      } catch (e) {
        if (file.crl) this.logger.error({ file: file.path, err: (e as Error).message }, 'CRL file disappeared: certificates it covered now have an unknown status');
        if (file.crl || file.signature !== 'gone') this.generation++;
        file.crl = null;
        file.signature = 'gone';
        continue;
      }
      if (signature === file.signature) continue;
      this.generation++;
      try {
        this.read(file, signature);
        this.logger.info({ file: file.path, entries: file.crl?.revoked.size }, 'CRL file changed on disk and was re-read');
      } catch (e) {
        // A broken replacement must not leave the old CRL in force (it may lack new revocations).
        file.crl = null;
        file.signature = signature;
        this.logger.error({ file: file.path, err: (e as Error).message }, 'CRL file changed on disk and cannot be read: certificates it covered now have an unknown status');
      }
    }
  }

  private read(file: CrlFile, signature: string): void {
    file.crl = parseCrl(new Uint8Array(readFileSync(file.path)));
    file.signature = signature;
  }
}

function fileSignature(path: string): string {
  const s = statSync(path);
  return `${s.mtimeMs}:${s.size}:${s.ino}`;
}
