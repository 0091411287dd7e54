/**
 * A refresh token is rotated only by the core's own handling of the token the client presented, and
 * a bound refresh token (`cnf`) only with the proof of every member in this request: `x5t#S256` is
 * the presented certificate's thumbprint; a member no proof of this request matches fails closed.
 * The rotated refresh token keeps the binding of the one it replaces.
 */
import type { Confirmation } from '../../api/model.ts';
import { opaqueTokenId } from '../../tokens/token-ids.ts';
import type { TokenInvariant } from './invariant.ts';
import type { TokenRequest } from './token-request.ts';

/** The `cnf` members of `confirmation` that no proof of this request matches. */
export function unprovenMembers(request: TokenRequest, confirmation: Confirmation | null): string[] {
  return Object.entries(confirmation ?? {})
    .filter(([member, value]) => request.proofs.get(member) !== value)
    .map(([member]) => member);
}

export const refreshBinding: TokenInvariant = {
  name: 'refresh-binding',
  check(request, { refresh }) {
    if (request.grantType !== 'refresh_token') return null;
    const presented = request.found.refreshToken;
    if (!presented) return 'the core did not redeem the refresh token of this request';
    const value = request.params.refresh_token;
    if (!value || presented.id !== opaqueTokenId(value)) return 'the refresh token redeemed is not the one the client presented';
    const unproven = unprovenMembers(request, presented.confirmation);
    if (unproven.length > 0) return `bound refresh token redeemed without proof of cnf ${unproven.join(', ')}`;
    if (refresh) {
      const dropped = Object.entries(presented.confirmation ?? {}).filter(([member, v]) => refresh.confirmation?.[member] !== v);
      if (dropped.length > 0) return `the rotated refresh token lost cnf ${dropped.map(([m]) => m).join(', ')}`;
    }
    return null;
  },
};
