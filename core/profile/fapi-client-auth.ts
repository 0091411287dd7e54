/**
 * FAPI 2.0 at client authentication, checked by the core around whichever authenticator runs:
 * before it, an assertion must name PS256, ES256 or EdDSA (§5.4.1) — read from the JOSE header, so
 * no authenticator's own list can widen it — and carry the issuer as its one `aud`, a string
 * (§5.3.2.1); after it, the method used must be one of §5.3.2.1's.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { ClientAuthRequest } from '../api/extension-points.ts';
import { InvalidClient } from '../errors/oauth-errors.ts';
import { FAPI_CLIENT_AUTH_METHODS, FAPI_SIGNING_ALGS, isFapi } from './fapi2-security.ts';

export function checkFapiAssertionAlg(req: ClientAuthRequest): void {
  if (!isFapi(req) || req.credentials.assertion === null) return;
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(req.credentials.assertion).alg;
  } catch {
    throw new InvalidClient('client_assertion is not a JWS', 'fapi2-security: unreadable client_assertion header');
  }
  if (typeof alg !== 'string' || !FAPI_SIGNING_ALGS.includes(alg)) {
    throw new InvalidClient(`client_assertion must be signed with ${FAPI_SIGNING_ALGS.join(', ')} on this server (FAPI 2.0)`, `fapi2-security: assertion alg ${String(alg)} refused`);
  }
  let aud: unknown;
  try {
    aud = decodeJwt(req.credentials.assertion).aud;
  } catch {
    throw new InvalidClient('client_assertion is not a JWT', 'fapi2-security: unreadable client_assertion claims');
  }
  // The signature is the authenticator's to check; this only refuses what FAPI never accepts.
  if (typeof aud !== 'string' || aud !== req.audiences[0]) {
    throw new InvalidClient('client_assertion aud must be this server\'s issuer, as a string (FAPI 2.0)', 'fapi2-security: assertion aud is not the issuer string');
  }
}

export function checkFapiClientAuthMethod(req: ClientAuthRequest, method: string): void {
  if (!isFapi(req) || FAPI_CLIENT_AUTH_METHODS.includes(method)) return;
  throw new InvalidClient(
    `this server accepts only ${FAPI_CLIENT_AUTH_METHODS.join(', ')} client authentication (FAPI 2.0)`,
    `fapi2-security: client authenticated with ${method}`,
  );
}
