/**
 * Tokens carry no scope beyond what was granted: the client's registered scopes (or what it asked,
 * or the defaults, when it registered none), the authorization code's, or the refresh token's.
 */
import { resolveScopes } from '../grants/scopes.ts';
import type { TokenInvariant } from './invariant.ts';
import type { TokenRequest } from './token-request.ts';

/** The scopes this request could legitimately yield, or a reason it cannot yield any. */
function grantable(request: TokenRequest): readonly string[] | string {
  switch (request.grantType) {
    case 'authorization_code':
      return request.found.code?.scopes ?? 'the core did not redeem an authorization code';
    case 'refresh_token':
      return request.found.refreshToken?.scopes ?? 'the core did not redeem a refresh token';
    default:
      try {
        return resolveScopes(request.params.scope, request.client, [...request.limits.defaultScopes]);
      } catch {
        return 'the client asked for scopes it may not have';
      }
  }
}

export const scopeBounds: TokenInvariant = {
  name: 'scope-bounds',
  check(request, { access, refresh }) {
    const allowed = grantable(request);
    if (typeof allowed === 'string') return allowed;
    for (const [what, scopes] of [['access', access.scopes], ['refresh', refresh?.scopes ?? []]] as const) {
      const extra = scopes.filter((s) => !allowed.includes(s));
      if (extra.length > 0) return `${what} token scope beyond the grant: ${extra.join(' ')}`;
    }
    return null;
  },
};
