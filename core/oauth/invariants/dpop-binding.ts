/**
 * Invariant (RFC 9449 §5, §5.2): a client registered with `dpop_bound_access_tokens` never gets an
 * access token without `cnf.jkt`, and a token request that proved a DPoP key gets tokens bound to that
 * key and no other — whatever the grant handler chain and the enabled bundles did.
 *
 * A code bound to a DPoP key (RFC 9449 §10) issues tokens only to a request that proved that key.
 *
 * Checked twice: by the token endpoint before the chain runs (no proof from a client that must send
 * one: refused before anything is issued), and by the invariant runner before the core stores what the
 * chain asked it to issue (a member that dropped or replaced the binding: nothing is issued).
 */
import type { Client, Confirmation } from '../../api/model.ts';
import { OAuthError } from '../../errors/oauth-errors.ts';
import type { TokenInvariant } from './invariant.ts';

/** RFC 9449 §6.1: the JWK SHA-256 thumbprint (RFC 7638) of the proof key. */
export const JKT = 'jkt';

/** Before the chain: the client's registration asks for DPoP, so the request must have proved a key. */
export function requireDpopProof(client: Client, proofs: Confirmation): void {
  if (!client.dpopBoundAccessTokens || proofs[JKT] !== undefined) return;
  throw new OAuthError(400, 'invalid_dpop_proof', 'this client must present a DPoP proof (dpop_bound_access_tokens)', {
    reason: `client ${client.clientId} is registered with dpop_bound_access_tokens and sent no DPoP proof a token binder accepted`,
  });
}

export const dpopBinding: TokenInvariant = {
  name: 'dpop-binding',
  check(request, { access, refresh }) {
    const proved = request.proofs.get(JKT);
    const bound = access.confirmation?.[JKT];
    if (bound !== undefined && bound !== proved) return 'the access token is bound to another key than the DPoP proof';
    const refreshBound = refresh?.confirmation?.[JKT];
    if (refreshBound !== undefined && refreshBound !== proved) return 'the refresh token is bound to another key than the DPoP proof';
    // RFC 9449 §10: whatever the chain did, a code bound to a key issues nothing without a proof by it.
    const codeBound = request.found.code?.dpopJkt;
    if (codeBound && codeBound !== proved) return 'the authorization code is bound to another DPoP key than the proof';
    if (!request.client.dpopBoundAccessTokens && proved === undefined) return null;
    if (bound === undefined) return 'the access token was issued without cnf.jkt';
    // RFC 9449 §5: a public client's refresh token is bound to the proof key too.
    if (refresh && request.client.tokenEndpointAuthMethod === 'none' && refreshBound === undefined) return "the public client's refresh token was issued without cnf.jkt";
    return null;
  },
};
