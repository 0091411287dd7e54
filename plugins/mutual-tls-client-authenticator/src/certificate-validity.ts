/**
 * The validity period (RFC 5280 §4.1.2.5) of one certificate, read from its DER. The PKI method gets
 * this from chain validation; the self-signed method checks the registered certificate with it.
 */
import { readCertificateFields } from '../../../core/x509/certificate-fields.ts';
import { DerError } from '../../../core/x509/der.ts';

export type ValidityProblem = 'expired' | 'not_yet_valid' | 'malformed';

export function validityProblem(der: Uint8Array, now: Date): ValidityProblem | null {
  let fields;
  try {
    fields = readCertificateFields(der);
  } catch (e) {
    if (e instanceof DerError) return 'malformed';
    throw e;
  }
  if (now.getTime() < fields.notBefore.getTime()) return 'not_yet_valid';
  if (now.getTime() > fields.notAfter.getTime()) return 'expired';
  return null;
}
