/**
 * Invariant: on a fapi2-security server every access token is sender-constrained (FAPI 2.0 §5.3.2.1,
 * RFC 8705 / RFC 9449) — its `cnf` holds `x5t#S256` (mTLS) or `jkt` (DPoP), whichever proof the
 * request carried, whichever bundle bound it. Checked twice, by the core:
 *  - before issuing (`requireSenderConstraint`): no binding yet means the client proved no key, an
 *    `invalid_request`, and nothing is issued;
 *  - after the grant chain answered (`verifyIssuedTokenBound`): the token as stored or decoded must
 *    carry the binding; if a bundle issued an unbound one, `server_error` and the token is revoked.
 */
import type { AccessTokenRecord, Confirmation, ServerContext } from '../../api/model.ts';
import { InvalidRequest, ServerError } from '../../errors/oauth-errors.ts';
import { isFapi } from '../profile/fapi2-security.ts';

/** The `cnf` members that constrain a token to its sender. */
export const SENDER_CONSTRAINTS = ['x5t#S256', 'jkt'] as const;

export function isSenderConstrained(confirmation: Confirmation | null | undefined): boolean {
  return SENDER_CONSTRAINTS.some((member) => typeof confirmation?.[member] === 'string' && confirmation[member] !== '');
}

export function requireSenderConstraint(server: ServerContext, confirmation: Confirmation | null): void {
  if (!isFapi(server) || isSenderConstrained(confirmation)) return;
  throw new InvalidRequest(
    'access tokens of this server are sender-constrained (FAPI 2.0): present the client certificate of a client registered with ' +
      'tls_client_certificate_bound_access_tokens (RFC 8705), or a DPoP proof (RFC 9449)',
    'fapi2-security: no certificate or DPoP binding for the access token',
  );
}

/** Throws `ServerError` when `token` (the one just issued) is not bound; the caller revokes it. */
export function verifyIssuedTokenBound(server: ServerContext, token: AccessTokenRecord | null): void {
  if (!isFapi(server) || (token !== null && isSenderConstrained(token.confirmation))) return;
  throw new ServerError('the token could not be issued');
}
