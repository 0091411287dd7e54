/**
 * Invariant: on a fapi2-security server every access token is sender-constrained (FAPI 2.0 §5.3.2.1,
 * RFC 8705 / RFC 9449) — its `cnf` holds `x5t#S256` (mTLS) or `jkt` (DPoP), whichever proof the
 * request carried, whichever bundle bound it. Checked twice, by the core:
 *  - before issuing (`requireSenderConstraint`): no binding yet means the client proved no key, an
 *    `invalid_request`, and nothing is issued;
 *  - by the invariant runner before the core stores what the chain asked it to issue: a token the
 *    chain left unbound is `server_error`, logged with the chain, and never stored.
 */
import type { Confirmation, ServerContext } from '../../api/model.ts';
import { InvalidRequest } from '../../errors/oauth-errors.ts';
import type { TokenInvariant } from './invariant.ts';
import { isFapi } from '../../profile/fapi2-security.ts';

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

/** Before anything is stored: a bundle in the chain that dropped the binding never gets a token out. */
export const senderConstrainedTokens: TokenInvariant = {
  name: 'sender-constrained-tokens',
  check(request, { access }) {
    return isFapi(request.server) && !isSenderConstrained(access.confirmation) ? 'fapi2-security: the access token carries neither cnf.x5t#S256 nor cnf.jkt' : null;
  },
};
