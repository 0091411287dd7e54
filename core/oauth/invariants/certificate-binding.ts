/**
 * RFC 8705 §3: a client registered with `tls_client_certificate_bound_access_tokens` never receives
 * an access token without `cnf.x5t#S256` of the certificate it presented in this request; a public
 * client's refresh token is bound the same way (§4). No token is ever bound to a certificate other
 * than the one presented.
 */
import type { TokenInvariant } from './invariant.ts';
import { X5T_S256 } from './invariant.ts';

export const certificateBinding: TokenInvariant = {
  name: 'certificate-binding',
  check(request, { access, refresh }) {
    const presented = request.proofs.get(X5T_S256) ?? null;
    const accessBound = access.confirmation?.[X5T_S256];
    if (accessBound !== undefined && accessBound !== presented) {
      return `access token bound to ${accessBound}, but the certificate presented is ${presented ?? 'none'}`;
    }
    const refreshBound = refresh?.confirmation?.[X5T_S256];
    if (refreshBound !== undefined && refreshBound !== presented) {
      return `refresh token bound to ${refreshBound}, but the certificate presented is ${presented ?? 'none'}`;
    }
    if (!request.client.tlsClientCertificateBoundAccessTokens) return null;
    if (presented === null) return 'the client requires certificate-bound tokens and presented no certificate';
    if (accessBound === undefined) {
      // The usual cause is configuration, not a rogue bundle: say what to switch on.
      const hint = request.chain.length <= 1 ? ` (no grant handler in the ${request.grantType} chain binds tokens: enable one, e.g. [oauth.grant_type.${request.grantType}] grant_handler = the mtls-token-binding bundle's)` : '';
      return `the client requires certificate-bound tokens and the access token carries no cnf.x5t#S256${hint}`;
    }
    if (refresh && request.client.tokenEndpointAuthMethod === 'none' && refreshBound === undefined) {
      return "a public client's refresh token must be bound to its certificate (RFC 8705 §4)";
    }
    return null;
  },
};
