/**
 * The runner of the core's token invariants. Before the core stores a token set (issue-tokens.ts) it
 * runs every invariant below against what it knows of the request (token-request.ts); after the
 * grant handler chain returns, the token endpoint checks the response hands out what was issued.
 * A violation is a broken or hostile bundle: the client gets `server_error`, the log names the
 * invariant and every member of the chain, and nothing is issued (or what was stored is revoked).
 *
 * Adding an invariant: one file exporting a `TokenInvariant`, one line in TOKEN_INVARIANTS.
 */
import type { TokenResponse } from '../../api/extension-points.ts';
import { ServerError } from '../../errors/oauth-errors.ts';
import { certificateBinding } from './certificate-binding.ts';
import { dpopBinding } from './dpop-binding.ts';
import type { Issuance, TokenInvariant } from './invariant.ts';
import { refreshBinding } from './refresh-binding.ts';
import { responseViolation } from './response-integrity.ts';
import { scopeBounds } from './scope-bounds.ts';
import { senderConstrainedTokens } from './sender-constrained-tokens.ts';
import { subjectAndClient } from './subject-and-client.ts';
import { tokenLifetime } from './token-lifetime.ts';
import type { TokenRequest } from './token-request.ts';

export const TOKEN_INVARIANTS: readonly TokenInvariant[] = [
  certificateBinding,
  dpopBinding,
  refreshBinding,
  scopeBounds,
  senderConstrainedTokens,
  subjectAndClient,
  tokenLifetime,
];

/** The error the client sees; the reason stays in the log. */
function refuse(request: TokenRequest, invariant: string, violation: string): ServerError {
  request.logger.error(
    { invariant, violation, chain: request.chain, clientId: request.client.clientId, grantType: request.grantType, tenantId: request.server.tenantId, serverId: request.server.serverId },
    `core invariant ${invariant} refused a ${request.grantType} token for client ${request.client.clientId}: ${violation}; grant handler chain: ${request.chain.join(' -> ')}`,
  );
  return new ServerError('the token could not be issued', `invariant ${invariant}: ${violation}`);
}

/** Throws `server_error` (logged) when the token set about to be stored breaks an invariant. */
export function enforceIssuance(request: TokenRequest | null, issuance: Issuance): asserts request is TokenRequest {
  if (!request) throw new ServerError('the token could not be issued', 'tokens issued outside a token request');
  for (const invariant of TOKEN_INVARIANTS) {
    const violation = invariant.check(request, issuance);
    if (violation !== null) throw refuse(request, invariant.name, violation);
  }
}

/** After the chain: the response must hand out what the core issued (see response-integrity.ts). */
export function enforceResponse(request: TokenRequest, response: TokenResponse): void {
  const violation = responseViolation(request, response);
  if (violation !== null) throw refuse(request, 'response-integrity', violation);
}

export type { Issuance, TokenInvariant } from './invariant.ts';
export { currentTokenRequest, withTokenRequest, type TokenRequest } from './token-request.ts';
