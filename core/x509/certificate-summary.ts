/**
 * What a person registering a client needs to know about its certificate: subject and issuer DN as
 * RFC 4514 text (the form `tls_client_auth_subject_dn` is compared in), the SANs, validity, and the
 * RFC 8705 §3.1 `x5t#S256` a bound token will carry.
 */
import { X509Certificate } from 'node:crypto';
import { certificateThumbprint } from '../crypto/thumbprint.ts';
import { readCertificateFields } from './certificate-fields.ts';
import { formatDn, rdnsFromName } from './distinguished-name.ts';
import { subjectAltNameTexts, type SubjectAltNameTexts } from './subject-alternative-names.ts';

export interface CertificateSummary {
  readonly subjectDn: string;
  readonly issuerDn: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Subject and issuer are the same name (a self-signed certificate, RFC 8705 §2.2). */
  readonly selfIssued: boolean;
  readonly sans: SubjectAltNameTexts;
  readonly thumbprint: string;
}

/** Throws when `der` is not a certificate (DerError, or Node's parse error). */
export function summarizeCertificate(der: Uint8Array): CertificateSummary {
  const node = new X509Certificate(der);
  const fields = readCertificateFields(der);
  const subjectDn = formatDn(rdnsFromName(fields.subject));
  const issuerDn = formatDn(rdnsFromName(fields.issuer));
  return {
    subjectDn,
    issuerDn,
    serialNumber: node.serialNumber,
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
    selfIssued: subjectDn === issuerDn,
    sans: subjectAltNameTexts(der),
    thumbprint: certificateThumbprint(der),
  };
}
