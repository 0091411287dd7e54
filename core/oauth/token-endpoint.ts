/**
 * POST /oauth2/token (RFC 6749 §3.2): authenticate the client, then hand the request to the grant
 * handler chain for its grant type (the core's default, or a bundle's override wrapping it).
 */
import type { Context } from 'hono';
import type { GrantContext } from '../api/extension-points.ts';
import { InvalidRequest, OAuthError, ServerError, UnauthorizedClient, UnsupportedGrantType } from '../errors/oauth-errors.ts';
import { readForm } from '../http/form-body.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import type { CoreRuntime } from '../runtime/core-runtime.ts';
import { authenticateClientFor } from './client-auth/authenticate-request.ts';
import { StoreUnavailableError } from '../store/repositories.ts';
import { isFapi } from './profile/fapi2-security.ts';
import { verifyIssuedTokenBound } from './invariants/sender-constrained-tokens.ts';
import type { ServerContext } from '../api/model.ts';

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
    if (isFapi(server) && grantType === 'password') throw new UnauthorizedClient('the password grant is not allowed on this server (FAPI 2.0)');
    const ctx: GrantContext = {
      tenantId: server.tenantId,
      serverId: server.serverId,
      server,
      grantType,
      params,
      client,
      clientAuth: result,
      request: c.get('requestInfo'),
      confirmation: null,
      verifiedConfirmations: new Set(),
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
    if (isFapi(server)) await checkIssuedTokenBound(runtime, server, response.access_token, grantType);
    return c.json(response, 200, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  };
}

/** The backstop of the sender-constraint invariant: the token as issued, whatever chain issued it. */
async function checkIssuedTokenBound(runtime: CoreRuntime, server: ServerContext, accessToken: string, grantType: string): Promise<void> {
  const record = await runtime.tokens.findActiveAccessToken(server, accessToken);
  try {
    verifyIssuedTokenBound(server, record);
  } catch (err) {
    // Name the chain (the configured override, else the core's handler) so the operator knows whom to blame.
    const chain = (runtime.config.oauth.grant_type as Record<string, { grant_handler?: string } | undefined>)[grantType]?.grant_handler || 'core';
    runtime.logger.error({ tenantId: server.tenantId, serverId: server.serverId, grantType, chain, profile: server.profile }, 'grant handler chain issued an access token without cnf on a fapi2-security server: revoked');
    if (record) await runtime.store.accessTokens.revoke(server, record.id);
    throw err;
  }
}

