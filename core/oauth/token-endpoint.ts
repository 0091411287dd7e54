/**
 * POST /oauth2/token (RFC 6749 §3.2): authenticate the client, let the enabled TokenBinders prove
 * what sender constraint the request carries (RFC 9449 DPoP), then hand the request to the grant
 * handler chain for its grant type (the core's default, or a bundle's override wrapping it). The
 * binding invariants are checked before the chain and against what the core issued after it.
 */
import type { Context } from 'hono';
import type { GrantContext } from '../api/extension-points.ts';
import { InvalidRequest, OAuthError, ServerError, UnauthorizedClient, UnsupportedGrantType } from '../errors/oauth-errors.ts';
import { readForm } from '../http/form-body.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import type { CoreRuntime } from '../runtime/core-runtime.ts';
import { authenticateClientFor } from './client-auth/authenticate-request.ts';
import { StoreUnavailableError } from '../store/repositories.ts';
import { componentHeaders } from '../http/error-renderer.ts';
import { issuedFor } from './grants/issued-tokens.ts';
import { dpopBindingViolation, requireDpopProof } from './invariants/dpop-binding.ts';
import { runTokenBinders } from './token-binders.ts';

export function tokenEndpoint(runtime: CoreRuntime) {
  return async (c: Context<TesseraEnv>) => {
    const params = await readForm(c);
    const grantType = params.grant_type;
    if (!grantType) throw new InvalidRequest('grant_type is required');
    const { client, result } = await authenticateClientFor(runtime, c, params, 'token');
    const handler = runtime.extensions.grantHandlers.get(grantType);
    if (!handler) throw new UnsupportedGrantType(grantType);
    if (!client.grantTypes.includes(grantType)) throw new UnauthorizedClient(`the client may not use the ${grantType} grant`);

    const server = c.get('server');
    const request = c.get('requestInfo');
    const base = { tenantId: server.tenantId, serverId: server.serverId, server, grantType, params, client, clientAuth: result, request };
    const { proofs, responseHeaders, binders } = await runTokenBinders(runtime, base);
    requireDpopProof(client, proofs);
    const ctx: GrantContext = {
      ...base,
      confirmation: Object.keys(proofs).length > 0 ? { ...proofs } : null,
      verifiedConfirmations: new Set(),
      proofs,
    };
    let response;
    try {
      response = await handler.handle(ctx);
    } catch (err) {
      // RFC errors the chain chose, and an unreachable store (503: the client may retry), pass as they are.
      if (OAuthError.is(err) || err instanceof StoreUnavailableError) throw err;
      // A grant handler (possibly a bundle's) failed unexpectedly: fail closed, stay up.
      runtime.logger.error({ err: (err as Error).message, stack: (err as Error).stack, grantType }, 'grant handler failed');
      throw new ServerError('the token could not be issued');
    }
    // A handler chain answering something else than a token response is a broken bundle: fail closed.
    if (typeof response !== 'object' || response === null || typeof response.access_token !== 'string' || typeof response.token_type !== 'string') {
      runtime.logger.error({ grantType }, 'grant handler returned no token response');
      throw new ServerError('the token could not be issued');
    }
    const issued = issuedFor(ctx);
    const violation = dpopBindingViolation(client, proofs, issued);
    if (violation !== null) {
      // Fail closed: what was issued is revoked before the error leaves.
      if (issued) {
        await runtime.store.accessTokens.revoke(ctx, issued.access.id);
        if (issued.refresh) await runtime.store.refreshTokens.revoke(ctx, issued.refresh.id);
      }
      runtime.logger.error({ grantType, clientId: client.clientId, binders, violation }, 'token binding invariant broken: tokens revoked');
      throw new ServerError('the token could not be issued', violation);
    }
    // RFC 9449 §5: the type follows the token the core issued, whatever the chain wrote.
    if (issued?.access.confirmation?.jkt !== undefined) response.token_type = 'DPoP';
    return c.json(response, 200, { ...componentHeaders(responseHeaders), 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  };
}
