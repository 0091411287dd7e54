/**
 * A CRL (RFC 5280 §5) read once: issuer, validity window, the revoked serials indexed for an O(1)
 * lookup, and a memoised signature check against a candidate issuer. Only complete, direct CRLs are
 * used: a delta CRL, an indirect one (certificateIssuer entries) or one with any other critical
 * extension this code does not process is refused when read, so it can never vouch for a certificate.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList, CRLReason, CRLReasons, id_ce_cRLReasons } from '@peculiar/asn1-x509';
import type { CertificateFacts } from './certificate-facts.ts';
import { verifySignature } from './signature.ts';

export interface RevokedEntry {
  /** RFC 5280 §5.3.1 reasonCode name, e.g. keyCompromise; null when the CRL gives none. */
  readonly reason: string | null;
  readonly revokedAt: number;
}

export interface ParsedCrl {
  /** Hex of the encoded issuer Name. */
  readonly issuerName: string;
  readonly thisUpdate: number;
  /** Null when the CRL has no nextUpdate (then it is fresh for cache_seconds after it was read). */
  readonly nextUpdate: number | null;
  readonly revoked: ReadonlyMap<string, RevokedEntry>;
  /** Whether `issuer` signed this CRL: same name as the CRL's issuer and the signature verifies. */
  signedBy(issuer: CertificateFacts): boolean;
}

export class CrlError extends Error {
  override readonly name = 'CrlError';
}

/** CRL extensions that may be critical and still be understood (none changes what a complete CRL says). */
const UNDERSTOOD_CRL_EXTENSIONS = new Set([
  '2.5.29.20', // cRLNumber
  '2.5.29.35', // authorityKeyIdentifier
]);
const UNDERSTOOD_ENTRY_EXTENSIONS = new Set([
  '2.5.29.21', // reasonCode
  '2.5.29.24', // invalidityDate
]);
const DELTA_CRL_INDICATOR = '2.5.29.27';
const ISSUING_DISTRIBUTION_POINT = '2.5.29.28';

/** Reads PEM (`X509 CRL` blocks; the first one) or DER. Throws `CrlError`. */
export function parseCrl(data: Uint8Array): ParsedCrl {
  const der = derOf(data);
  let list: CertificateList;
  try {
    list = AsnConvert.parse(der, CertificateList);
  } catch (e) {
    throw new CrlError(`not a CRL (${(e as Error).message})`);
  }
  const tbs = list.tbsCertList;
  if (!list.tbsCertListRaw) throw new CrlError('not a CRL (no signed part)');
  for (const ext of tbs.crlExtensions ?? []) {
    if (ext.extnID === DELTA_CRL_INDICATOR) throw new CrlError('delta CRLs are not supported');
    if (ext.extnID === ISSUING_DISTRIBUTION_POINT) throw new CrlError('partitioned CRLs (issuingDistributionPoint) are not supported');
    if (ext.critical && !UNDERSTOOD_CRL_EXTENSIONS.has(ext.extnID)) throw new CrlError(`unsupported critical CRL extension ${ext.extnID}`);
  }
  const revoked = new Map<string, RevokedEntry>();
  for (const entry of tbs.revokedCertificates ?? []) {
    let reason: string | null = null;
    for (const ext of entry.crlEntryExtensions ?? []) {
      if (ext.critical && !UNDERSTOOD_ENTRY_EXTENSIONS.has(ext.extnID)) throw new CrlError(`unsupported critical CRL entry extension ${ext.extnID}`);
      if (ext.extnID === id_ce_cRLReasons) {
        const code = AsnConvert.parse(ext.extnValue.buffer, CRLReason).reason;
        reason = CRLReasons[code] ?? `reason ${code}`;
      }
    }
    revoked.set(Buffer.from(entry.userCertificate).toString('hex'), { reason, revokedAt: entry.revocationDate.getTime().getTime() });
  }
  const signed = list.tbsCertListRaw;
  const algorithm = list.signatureAlgorithm.algorithm;
  const signature = list.signature;
  const issuerName = Buffer.from(AsnConvert.serialize(tbs.issuer)).toString('hex');
  const verdicts = new Map<string, boolean>();
  return {
    issuerName,
    thisUpdate: tbs.thisUpdate.getTime().getTime(),
    nextUpdate: tbs.nextUpdate ? tbs.nextUpdate.getTime().getTime() : null,
    revoked,
    signedBy(issuer) {
      if (issuer.subjectName !== issuerName) return false;
      let verdict = verdicts.get(issuer.id);
      if (verdict === undefined) {
        verdict = verifySignature(algorithm, signed, signature, issuer.publicKey);
        if (verdicts.size < 8) verdicts.set(issuer.id, verdict);
      }
      return verdict;
    },
  };
}

function derOf(data: Uint8Array): Uint8Array {
  // PEM starts with "-----"; DER with a SEQUENCE tag (0x30).
  if (data[0] !== 0x2d) return data;
  const text = Buffer.from(data).toString('latin1');
  const m = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+)-----END X509 CRL-----/.exec(text);
  if (!m) throw new CrlError('PEM without an X509 CRL block');
  return new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}
