/** No token outlives the lifetime `[oauth]` configures for it. */
import type { TokenInvariant } from './invariant.ts';

export const tokenLifetime: TokenInvariant = {
  name: 'token-lifetime',
  check(request, { access, refresh }) {
    if (access.expiresAt - access.issuedAt > request.limits.accessTokenLifetime) return 'access token lifetime beyond [oauth] access_token_lifetime';
    if (refresh && refresh.expiresAt - refresh.issuedAt > request.limits.refreshTokenLifetime) return 'refresh token lifetime beyond [oauth] refresh_token_lifetime';
    return null;
  },
};
