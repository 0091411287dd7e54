import { x509 } from './x509.ts';
/**
 * The validity period (RFC 5280 §4.1.2.5) of one certificate, read from its DER. The PKI method gets
 * this from chain validation; the self-signed method checks the registered certificate with it.
 */

export type ValidityProblem = 'expired' | 'not_yet_valid' | 'malformed';

export function validityProblem(der: Uint8Array, now: Date): ValidityProblem | null {
  let fields;
  try {
    fields = x509().readCertificateFields(der);
  } catch (e) {
    if (e instanceof x509().DerError) return 'malformed';
    throw e;
  }
  if (now.getTime() < fields.notBefore.getTime()) return 'not_yet_valid';
  if (now.getTime() > fields.notAfter.getTime()) return 'expired';
  return null;
}
