/**
 * RFC 8705 §3 at the core's protected resources (userinfo): a token bound by `x5t#S256` is accepted
 * only over a request presenting that certificate (TLS socket, or the header of a trusted proxy).
 * No certificate, an unusable one, or another client's is 401 `invalid_token`. Unbound tokens pass.
 */
import type { AccessTokenRecord, ProtectedResourceValidator, RequestInfo } from '../../../core/api/index.ts';
import { InvalidToken } from '../../../core/api/index.ts';
import { X5T_S256 } from './component-names.ts';
import { sameThumbprint } from './thumbprint-match.ts';

const REFUSED = 'the access token is bound to a client certificate this request did not present';

export class CertificateBoundTokenValidator implements ProtectedResourceValidator {
  readonly confirmationMethods = [X5T_S256] as const;

  validate(token: AccessTokenRecord, request: RequestInfo): void {
    const expected = token.confirmation?.[X5T_S256];
    if (expected === undefined) return;
    const { certificate, problem } = request.clientCertificate;
    if (!certificate) throw new InvalidToken(REFUSED, `bound token of ${token.clientId}: ${problem ?? 'no client certificate presented'}`);
    if (!sameThumbprint(certificate.thumbprint, expected)) {
      throw new InvalidToken(REFUSED, `bound token of ${token.clientId} presented with certificate ${certificate.thumbprint}`);
    }
  }
}
