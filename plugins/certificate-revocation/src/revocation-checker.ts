/**
 * The revocation status of a validated path: every certificate below the anchor, each against its
 * issuer (the next certificate of the path). Per certificate the sources are asked in this order and
 * the first definite answer (good or revoked) wins: local CRL files (no I/O), OCSP (the most current),
 * the certificate's CRL distribution points. A path is revoked if any certificate is, unknown if any
 * certificate's status cannot be learned, else good.
 *
 * Whole-path answers are kept (by the leaf's thumbprint) until the earliest moment one of their
 * parts must be looked at again, so with warm caches a request costs one map lookup.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../../core/api/index.ts';
import { type CertificateFacts, certificateFacts } from './certificate-facts.ts';
import type { CrlDistributionPoints } from './crl-distribution-points.ts';
import type { CrlFiles } from './crl-files.ts';
import { crlReuseUntil, crlVerdict } from './crl-verdict.ts';
import type { OcspClient } from './ocsp.ts';
import { RETRY_MS, type Verdict } from './verdict.ts';

export type PathStatus =
  | { readonly status: 'good' }
  | {
      readonly status: 'revoked';
      /** Which certificate: 0 = the leaf. */
      readonly depth: number;
      readonly serial: string;
      readonly reason: string | null;
      readonly source: string;
    }
  | { readonly status: 'unknown'; readonly depth: number; readonly serial: string; readonly why: string };

interface Remembered {
  readonly status: PathStatus;
  readonly until: number;
  readonly generation: number;
  /** The path it was computed for (a leaf re-issued under another chain is a new path). */
  readonly certificates: readonly Uint8Array[];
}

export interface CheckerSources {
  readonly files: CrlFiles | null;
  readonly ocsp: OcspClient | null;
  readonly distributionPoints: CrlDistributionPoints | null;
}

export class RevocationChecker {
  /** Bounded by the number of client certificates in use. */
  private readonly paths = new LRUCache<string, Remembered>({ max: 10_000 });

  constructor(
    private readonly sources: CheckerSources,
    private readonly cacheMs: number,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** The remembered status of this path while it is current, else null. Synchronous: the warm path. */
  remembered(thumbprint: string, certificates: readonly Uint8Array[]): PathStatus | null {
    this.sources.files?.refresh();
    const hit = this.paths.get(thumbprint);
    if (!hit || this.now() >= hit.until || hit.generation !== (this.sources.files?.generation ?? 0)) return null;
    if (hit.certificates.length !== certificates.length || !hit.certificates.every((c, i) => c === certificates[i] || Buffer.from(c).equals(certificates[i]))) return null;
    return hit.status;
  }

  /** The path's certificates last checked under this thumbprint (for tokens bound to it), if any. */
  knownPath(thumbprint: string): readonly Uint8Array[] | null {
    return this.paths.get(thumbprint)?.certificates ?? null;
  }

  async check(thumbprint: string, certificates: readonly Uint8Array[]): Promise<PathStatus> {
    const known = this.remembered(thumbprint, certificates);
    if (known) return known;
    const generation = this.sources.files?.generation ?? 0;
    let until = this.now() + this.cacheMs;
    let unknown: PathStatus | null = null;
    let result: PathStatus | null = null;
    // The certificates are checked side by side: a path waits for its slowest source, not their sum.
    const verdicts = await Promise.all(
      certificates.slice(0, -1).map(async (der, depth) => {
        try {
          const cert = certificateFacts(der);
          return { cert, verdict: await this.certificateStatus(cert, certificateFacts(certificates[depth + 1])) };
        } catch (e) {
          return { cert: null, verdict: { status: 'unknown', source: 'certificate', why: `unreadable certificate: ${(e as Error).message}`, until: this.now() + RETRY_MS } as Verdict };
        }
      }),
    );
    for (const [depth, { cert, verdict }] of verdicts.entries()) {
      until = Math.min(until, verdict.until);
      const serial = cert?.serialDisplay ?? '?';
      if (verdict.status === 'revoked') {
        result ??= { status: 'revoked', depth, serial, reason: verdict.reason, source: verdict.source };
      } else if (verdict.status === 'unknown') {
        unknown ??= { status: 'unknown', depth, serial, why: `${verdict.source}: ${verdict.why}` };
      }
    }
    result ??= unknown ?? { status: 'good' };
    this.paths.set(thumbprint, { status: result, until, generation, certificates: [...certificates] });
    return result;
  }

  private async certificateStatus(cert: CertificateFacts, issuer: CertificateFacts): Promise<Verdict> {
    const now = this.now();
    const cap = now + this.cacheMs;
    const unknowns: Verdict[] = [];
    const { files, ocsp, distributionPoints } = this.sources;

    if (files) {
      const crls = files.forIssuer(issuer);
      const verdict = crlVerdict(crls, cert, issuer, now, 'CRL file', crlReuseUntil(crls, now, cap));
      if (verdict?.status === 'unknown') unknowns.push(verdict);
      else if (verdict) return verdict;
      // A CRL with the issuer's name whose signature does not verify is someone else's, or forged.
      if (!verdict && crls.length > 0) {
        this.logger.warn({ serial: cert.serialDisplay }, 'a CRL file names the issuer but its signature does not verify with the issuer key: ignored');
        unknowns.push({ status: 'unknown', source: 'CRL file', why: 'the CRL naming the issuer is not signed by the issuer key', until: cap });
      }
    }

    if (ocsp) {
      const verdict = await ocsp.status(cert, issuer);
      if (verdict?.status === 'unknown') unknowns.push(verdict);
      else if (verdict) return verdict;
    }

    if (distributionPoints) {
      for (const url of cert.crlUrls) {
        const fetched = await distributionPoints.fetch(url);
        if ('problem' in fetched) {
          unknowns.push({ status: 'unknown', source: `CRL ${url}`, why: fetched.problem, until: fetched.refreshAt });
          continue;
        }
        const verdict = crlVerdict([fetched.crl], cert, issuer, now, `CRL ${url}`, Math.min(cap, fetched.refreshAt));
        if (verdict === null) {
          unknowns.push({ status: 'unknown', source: `CRL ${url}`, why: 'the CRL is not signed by the issuer', until: now + RETRY_MS });
          continue;
        }
        if (verdict.status !== 'unknown') return verdict;
        unknowns.push(verdict);
      }
    }

    if (unknowns.length > 0) {
      return {
        status: 'unknown',
        source: unknowns.map((u) => u.source).join(', '),
        why: unknowns.map((u) => (u.status === 'unknown' ? u.why : '')).join('; '),
        until: Math.min(...unknowns.map((u) => u.until)),
      };
    }
    return { status: 'unknown', source: 'none', why: 'no CRL or OCSP responder covers this certificate', until: now + RETRY_MS };
  }
}
