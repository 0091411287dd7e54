/**
 * How this authenticator says no. Every failure is the same RFC 6749 §5.2 `invalid_client` (401,
 * `WWW-Authenticate`) with a description that names nothing the client registered; the `reason`,
 * which the core writes to the audit event and the log only, says exactly why.
 */
import { InvalidClient } from '../../../core/api/index.ts';

/** The operator-facing reasons, fixed strings so logs can be searched and alerted on. */
export const Reason = {
  noCertificate: 'no certificate presented',
  noTrustAnchors: 'no trust anchors configured',
  untrustedChain: 'untrusted chain',
  badSignature: 'untrusted chain (a signature does not verify)',
  chainTooDeep: 'untrusted chain (longer than [limits] max_chain_depth)',
  malformed: 'malformed certificate',
  expired: 'expired',
  notYetValid: 'not yet valid',
  leafIsCa: 'leaf is a CA',
  unhandledCriticalExtension: 'a certificate in the chain has a critical extension Tessera does not process (e.g. name constraints)',
  notForClientAuth: 'certificate extendedKeyUsage does not allow clientAuth',
  noDigitalSignature: 'certificate keyUsage does not allow digitalSignature (RFC 5280 4.2.1.3)',
  noSubjectRegistered: 'no tls_client_auth subject value registered for the client',
  severalSubjectsRegistered: 'more than one tls_client_auth subject value registered for the client',
  invalidRegisteredDn: 'registered tls_client_auth_subject_dn is not a valid RFC 4514 DN',
  subjectDnMismatch: 'subject DN mismatch',
  sanMismatch: (kind: 'dns' | 'uri' | 'email' | 'ip') => `SAN ${kind} mismatch`,
  noRegisteredCertificate: 'no certificate registered for the client (certificates, jwks x5c or jwks_uri)',
  unknownCertificate: 'unknown certificate',
  jwksUriFailed: (why: string) => `jwks_uri fetch failed: ${why}`,
  refusedBy: (validator: string, why: string) => `${why} (certificate validator ${validator})`,
  validatorFailed: (validator: string, why: string) => `certificate validator ${validator} failed: ${why}`,
} as const;

export function authenticationFailed(reason: string): InvalidClient {
  if (reason === Reason.noCertificate) return new InvalidClient('a client certificate is required', reason);
  return new InvalidClient('client authentication failed', reason);
}
