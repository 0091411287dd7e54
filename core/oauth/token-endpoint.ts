/**
 * POST /oauth2/token (RFC 6749 §3.2): authenticate the client, let the enabled TokenBinders prove
 * what sender constraint the request carries (RFC 9449 DPoP), then hand the request to the grant
 * handler chain for its grant type (bundles' handlers by order, ending at the core's). What the chain
 * issues and returns is checked against the core's invariants (./invariants) before it leaves.
 */
import type { Context } from 'hono';
import type { GrantContext } from '../api/extension-points.ts';
import { InvalidRequest, OAuthError, ServerError, UnauthorizedClient, UnsupportedGrantType } from '../errors/oauth-errors.ts';
import { readForm } from '../http/form-body.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import type { TesseraConfig } from '../config/schema.ts';
import { authenticateClientFor, type ClientAuthDependencies } from './client-auth/authenticate-request.ts';
import { StoreUnavailableError, type Store } from '../store/repositories.ts';
import { enforceResponse, withTokenRequest, type TokenRequest } from './invariants/index.ts';
import { X5T_S256 } from './invariants/invariant.ts';
import { requireDpopProof } from './invariants/dpop-binding.ts';
import { componentHeaders } from '../http/error-renderer.ts';
import { runTokenBinders, type TokenBinderDependencies } from './token-binders.ts';
import { isFapi } from '../profile/fapi2-security.ts';
import { isDeepFrozenClient } from '../store/frozen-client.ts';

/** What POST /token uses of the running server (besides the grant chains it hands the request to). */
export interface TokenEndpointDependencies extends ClientAuthDependencies, TokenBinderDependencies {
  readonly config: TesseraConfig;
  /** Withdraws tokens a failed or undelivered response issued. */
  readonly store: Store;
}

export function tokenEndpoint(runtime: TokenEndpointDependencies) {
  return async (c: Context<TesseraEnv>) => {
    const params = await readForm(c);
    const grantType = params.grant_type;
    if (!grantType) throw new InvalidRequest('grant_type is required');
    const { client, result } = await authenticateClientFor(runtime, c, params, 'token');
    const chain = runtime.extensions.grantChains.get(grantType);
    if (!chain) throw new UnsupportedGrantType(grantType);
    if (!client.grantTypes.includes(grantType)) throw new UnauthorizedClient(`the client may not use the ${grantType} grant`);

    const server = c.get('server');
    if (isFapi(server) && grantType === 'password') throw new UnauthorizedClient('the password grant is not allowed on this server (FAPI 2.0)');
    const requestInfo = c.get('requestInfo');
    const base = { tenantId: server.tenantId, serverId: server.serverId, server, grantType, params, client, clientAuth: result, request: requestInfo };
    const { proofs, responseHeaders } = await runTokenBinders(runtime, { ...base, endpoint: 'token' });
    requireDpopProof(client, proofs);
    const ctx: GrantContext = {
      ...base,
      // The chain's own copy: a member that writes to it changes neither the core's view nor the cache.
      client: structuredClone(client),
      confirmation: Object.keys(proofs).length > 0 ? { ...proofs } : null,
      verifiedConfirmations: new Set(),
      proofs,
    };
    // What the transport (socket or trusted header) presented — not what an authenticator reports.
    const certificate = ctx.request.clientCertificate.certificate;
    const request: TokenRequest = {
      server,
      grantType,
      params: Object.freeze({ ...params }),
      // Deep-frozen by the client cache: nothing can change it, so no copy (structuredClone ~5-9 µs).
      client: isDeepFrozenClient(client) ? client : structuredClone(client),
      clientAuth: result,
      certificate,
      proofs: new Map([...(certificate ? [[X5T_S256, certificate.thumbprint] as const] : []), ...Object.entries(proofs)]),
      logger: runtime.logger,
      chain: chain.members,
      limits: {
        accessTokenLifetime: runtime.config.oauth.access_token_lifetime,
        refreshTokenLifetime: runtime.config.oauth.refresh_token_lifetime,
        defaultScopes: runtime.config.oauth.default_scopes,
      },
      found: {},
      issued: [],
    };
    let response;
    try {
      response = await withTokenRequest(request, () => chain.handler.handle(ctx));
      // A handler chain answering something else than a token response is a broken bundle: fail closed.
      if (typeof response !== 'object' || response === null || typeof response.access_token !== 'string' || typeof response.token_type !== 'string') {
        runtime.logger.error({ grantType, chain: chain.members }, 'grant handler returned no token response');
        throw new ServerError('the token could not be issued');
      }
      enforceResponse(request, response);
    } catch (err) {
      // Tokens issued in this request that the client will not receive are withdrawn at once.
      await revokeIssued(runtime, request);
      // RFC errors the chain chose, and an unreachable store (503: the client may retry), pass as they are.
      if (OAuthError.is(err) || err instanceof StoreUnavailableError) throw err;
      // A grant handler (possibly a bundle's) failed unexpectedly: fail closed, stay up.
      runtime.logger.error({ err: (err as Error).message, stack: (err as Error).stack, grantType, chain: chain.members }, 'grant handler failed');
      throw new ServerError('the token could not be issued');
    }
    // Tokens issued by an earlier call of the chain's `next` that the response does not carry.
    const undelivered = request.issued.filter((i) => i.access.token !== response.access_token);
    if (undelivered.length > 0) await revokeIssued(runtime, { ...request, issued: undelivered });
    return c.json(response, 200, { ...componentHeaders(responseHeaders), 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  };
}

async function revokeIssued(runtime: TokenEndpointDependencies, request: TokenRequest): Promise<void> {
  try {
    for (const { access, refresh } of request.issued) {
      await runtime.store.accessTokens.revoke(request.server, access.record.id);
      if (refresh) await runtime.store.refreshTokens.revoke(request.server, refresh.record.id);
    }
  } catch (err) {
    // The request fails anyway; the tokens were never handed out and expire on their own.
    runtime.logger.warn({ err: (err as Error).message, clientId: request.client.clientId }, 'could not revoke tokens the response did not carry');
  }
}
