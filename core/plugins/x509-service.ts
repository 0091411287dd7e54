/**
 * The core's X.509 code as the run-time service bundles receive (`ctx.services.x509`): one copy, in
 * the core, so a fix here reaches every bundle already built.
 */
import type { X509Service } from '../api/x509.ts';
import { certificateThumbprint } from '../crypto/thumbprint.ts';
import { decodePem } from '../crypto/pem.ts';
import {
  ExtensionOid,
  allowsCertificateSigning,
  authorityKeyId,
  basicConstraints,
  readCertificateFields,
  subjectKeyId,
} from '../x509/certificate-fields.ts';
import { DerError, Tag, bytesEqual, childrenOf, decodeOid, readSingle, toHex } from '../x509/der.ts';
import { DnSyntaxError, certificateSubjectDn, dnEquals, dnMatchesCertificate, parseDn } from '../x509/distinguished-name.ts';
import { certificateSans } from '../x509/subject-alternative-names.ts';

export const x509Service: X509Service = Object.freeze({
  DerError,
  DnSyntaxError,
  Tag,
  ExtensionOid,
  readSingle,
  childrenOf,
  decodeOid,
  toHex,
  bytesEqual,
  readCertificateFields,
  validity(der: Uint8Array) {
    const { notBefore, notAfter } = readCertificateFields(der);
    return { notBefore, notAfter };
  },
  basicConstraints,
  allowsCertificateSigning,
  subjectKeyId,
  authorityKeyId,
  subjectAltNames: certificateSans,
  thumbprint: certificateThumbprint,
  decodePem,
  parseDn,
  dnEquals,
  dnMatchesCertificate,
  certificateSubjectDn,
});
