/**
 * What revocation checking needs of a certificate, read once per certificate (by its DER hash):
 * serial, issuer and subject names (DER), the public key, where its CRLs and OCSP responder live,
 * and the hashes an OCSP request names its issuer by.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityInfoAccessSyntax,
  Certificate,
  CRLDistributionPoints,
  ExtendedKeyUsage,
  id_ad_ocsp,
  id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage,
  id_pe_authorityInfoAccess,
} from '@peculiar/asn1-x509';
import { LRUCache } from 'lru-cache';

export interface CertificateFacts {
  readonly der: Uint8Array;
  /** Hex SHA-256 of the DER. */
  readonly id: string;
  /** Lower-case hex of the serialNumber INTEGER's content octets, as CRL entries carry it. */
  readonly serial: string;
  /** The serial for people: the same hex, upper case with colons (what `openssl x509 -serial` prints, less the colons). */
  readonly serialDisplay: string;
  /** Hex of the encoded issuer / subject Name. */
  readonly issuerName: string;
  readonly subjectName: string;
  readonly subjectNameDer: Uint8Array;
  /** The subjectPublicKey BIT STRING's contents (OCSP issuerKeyHash input). */
  readonly publicKeyBits: Uint8Array;
  readonly publicKey: KeyObject;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly extendedKeyUsage: readonly string[] | null;
  /** http(s) URLs of the CRL distribution points. */
  readonly crlUrls: readonly string[];
  /** http(s) URLs of the AIA OCSP responders. */
  readonly ocspUrls: readonly string[];
  /** Whether `issuer`'s key made this certificate's signature. */
  signedBy(issuer: CertificateFacts): boolean;
}

/** Certificates of validated paths; a deployment sees as many as it has clients and CAs. */
const cache = new LRUCache<string, CertificateFacts>({ max: 2048 });
const byArray = new WeakMap<Uint8Array, CertificateFacts>();

/** Throws on a certificate it cannot read (the caller treats that as "status unknown"). */
export function certificateFacts(der: Uint8Array): CertificateFacts {
  // The authenticator hands the same (cached) DER array on every request: no hashing then.
  const known = byArray.get(der);
  if (known) return known;
  const id = createHash('sha256').update(der).digest('hex');
  let facts = cache.get(id);
  if (!facts) {
    facts = parse(new Uint8Array(der), id);
    cache.set(id, facts);
  }
  byArray.set(der, facts);
  return facts;
}

function parse(der: Uint8Array, id: string): CertificateFacts {
  const cert = AsnConvert.parse(der, Certificate);
  const tbs = cert.tbsCertificate;
  const node = new X509Certificate(der);
  const subjectNameDer = new Uint8Array(AsnConvert.serialize(tbs.subject));
  const serial = Buffer.from(tbs.serialNumber).toString('hex');
  let extendedKeyUsage: string[] | null = null;
  const crlUrls: string[] = [];
  const ocspUrls: string[] = [];
  for (const ext of tbs.extensions ?? []) {
    const value = ext.extnValue.buffer;
    if (ext.extnID === id_ce_extKeyUsage) extendedKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)];
    else if (ext.extnID === id_ce_cRLDistributionPoints) {
      for (const dp of AsnConvert.parse(value, CRLDistributionPoints)) {
        for (const name of dp.distributionPoint?.fullName ?? []) if (isHttp(name.uniformResourceIdentifier)) crlUrls.push(name.uniformResourceIdentifier!);
      }
    } else if (ext.extnID === id_pe_authorityInfoAccess) {
      for (const access of AsnConvert.parse(value, AuthorityInfoAccessSyntax)) {
        if (access.accessMethod === id_ad_ocsp && isHttp(access.accessLocation.uniformResourceIdentifier)) ocspUrls.push(access.accessLocation.uniformResourceIdentifier!);
      }
    }
  }
  const verdicts = new Map<string, boolean>();
  return {
    der,
    id,
    serial,
    serialDisplay: serial.toUpperCase(),
    issuerName: Buffer.from(AsnConvert.serialize(tbs.issuer)).toString('hex'),
    subjectName: Buffer.from(subjectNameDer).toString('hex'),
    subjectNameDer,
    publicKeyBits: new Uint8Array(tbs.subjectPublicKeyInfo.subjectPublicKey),
    publicKey: node.publicKey,
    notBefore: tbs.validity.notBefore.getTime().getTime(),
    notAfter: tbs.validity.notAfter.getTime().getTime(),
    extendedKeyUsage,
    crlUrls,
    ocspUrls,
    signedBy(issuer) {
      let verdict = verdicts.get(issuer.id);
      if (verdict === undefined) {
        try {
          verdict = node.verify(issuer.publicKey);
        } catch {
          verdict = false;
        }
        if (verdicts.size < 16) verdicts.set(issuer.id, verdict);
      }
      return verdict;
    },
  };
}

function isHttp(url: string | undefined): boolean {
  return typeof url === 'string' && /^https?:\/\//i.test(url) && URL.canParse(url);
}
