/**
 * The certificate a request authenticates with: the one the core certificate service found (TLS
 * socket, or the configured header from a trusted proxy). When there is none usable, the failure
 * reason is the service's own problem text (e.g. "certificate header: invalid base64") or
 * "no certificate presented".
 */
import type { ClientAuthRequest, ClientCertificate } from '../../../core/api/index.ts';
import { Reason, authenticationFailed } from './failure.ts';

export function presentedCertificate(req: ClientAuthRequest): ClientCertificate {
  const { certificate, problem } = req.request.clientCertificate;
  if (certificate) return certificate;
  throw authenticationFailed(problem ?? Reason.noCertificate);
}

/** Whether the request carries a certificate, or at least tried to (a header the service refused). */
export function presentsCertificate(req: ClientAuthRequest): boolean {
  const { certificate, problem } = req.request.clientCertificate;
  return certificate !== null || problem !== null;
}
