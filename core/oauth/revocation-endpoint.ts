/**
 * POST /oauth2/revoke (RFC 7009). Only the client a token was issued to may revoke it; an unknown,
 * foreign or already invalid token is answered 200 all the same (§2.2). Revoking a refresh token
 * revokes its family and the access tokens issued from it.
 */
import type { Context } from 'hono';
import { InvalidRequest, UnsupportedTokenType } from '../errors/oauth-errors.ts';
import { readForm } from '../http/form-body.ts';
import { opaqueTokenId } from '../tokens/token-ids.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Store } from '../store/repositories.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { authenticateClientFor, type ClientAuthDependencies } from './client-auth/authenticate-request.ts';

/** What POST /revoke uses: the token lookups, the store it revokes in, the audit events. */
export interface RevocationDependencies extends ClientAuthDependencies {
  readonly tokens: TokenService;
  readonly store: Store;
  readonly events: EventBus;
}

export function revocationEndpoint(runtime: RevocationDependencies) {
  return async (c: Context<TesseraEnv>) => {
    const params = await readForm(c);
    const { client } = await authenticateClientFor(runtime, c, params, 'revocation');
    if (!params.token) throw new InvalidRequest('token is required');
    const hint = params.token_type_hint;
    if (hint && hint !== 'access_token' && hint !== 'refresh_token') throw new UnsupportedTokenType(`token_type_hint "${hint}" is not supported`);
    const server = c.get('server');
    const { store } = runtime;

    const refresh = await runtime.tokens.findRefreshToken(server, params.token);
    if (refresh && refresh.clientId === client.clientId) {
      await store.refreshTokens.revokeFamily(server, refresh.familyId);
      await store.accessTokens.revokeByGrant(server, refresh.familyId);
      runtime.events.emit({ type: 'token.revoked', tenantId: server.tenantId, serverId: server.serverId, clientId: client.clientId, details: { tokenType: 'refresh_token' } });
    } else if (!refresh) {
      const access = await runtime.tokens.findActiveAccessToken(server, params.token);
      const id = access?.id ?? (params.token.length <= 512 ? opaqueTokenId(params.token) : null);
      if (access && access.clientId === client.clientId && id) {
        await store.accessTokens.revoke(server, id);
        runtime.events.emit({ type: 'token.revoked', tenantId: server.tenantId, serverId: server.serverId, clientId: client.clientId, details: { tokenType: 'access_token' } });
      }
    }
    return c.body(null, 200, { 'Cache-Control': 'no-store' });
  };
}
