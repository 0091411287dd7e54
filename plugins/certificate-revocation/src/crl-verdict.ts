/**
 * What a set of CRLs says about one certificate. Only CRLs its issuer signed count (the name alone
 * proves nothing). A serial listed in any of them is revoked — a stale CRL still proves a revocation;
 * otherwise a fresh one (thisUpdate ≤ now ≤ nextUpdate) says good and only stale ones say unknown.
 */
import type { CertificateFacts } from './certificate-facts.ts';
import type { ParsedCrl } from './crl.ts';
import { SKEW_MS, type Verdict } from './verdict.ts';

export function crlVerdict(
  crls: readonly ParsedCrl[],
  cert: CertificateFacts,
  issuer: CertificateFacts,
  now: number,
  source: string,
  reuseUntil: number,
): Verdict | null {
  let fresh = false;
  let stale: ParsedCrl | null = null;
  let any = false;
  for (const crl of crls) {
    if (!crl.signedBy(issuer)) continue;
    any = true;
    const entry = crl.revoked.get(cert.serial);
    if (entry) return { status: 'revoked', source, reason: entry.reason, until: reuseUntil };
    if (crl.thisUpdate <= now + SKEW_MS && (crl.nextUpdate === null || now <= crl.nextUpdate)) fresh = true;
    else stale = crl;
  }
  if (!any) return null;
  if (fresh) return { status: 'good', source, until: reuseUntil };
  const why = stale && stale.thisUpdate > now + SKEW_MS ? 'the CRL is not valid yet (thisUpdate in the future)' : `the CRL is stale (nextUpdate ${new Date(stale?.nextUpdate ?? 0).toISOString()} has passed)`;
  return { status: 'unknown', source, why, until: reuseUntil };
}

/** The instant to look again: the earliest nextUpdate of the issuer's CRLs still ahead, capped. */
export function crlReuseUntil(crls: readonly ParsedCrl[], now: number, cap: number): number {
  let until = cap;
  for (const crl of crls) if (crl.nextUpdate !== null && crl.nextUpdate > now && crl.nextUpdate < until) until = crl.nextUpdate;
  return until;
}
