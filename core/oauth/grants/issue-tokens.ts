/**
 * The common tail of every grant: access token (bound when the handler chain set a confirmation),
 * refresh token when the client may refresh, and an ID token when `openid` was granted to a user.
 * Both are checked by the core's invariants (../invariants) before either is stored.
 */
import type { GrantContext, TokenResponse } from '../../api/extension-points.ts';
import type { User } from '../../api/model.ts';
import { currentTokenRequest, enforceIssuance } from '../invariants/index.ts';
import type { GrantDependencies } from './grant-dependencies.ts';
import { requireSenderConstraint } from '../invariants/sender-constrained-tokens.ts';

export interface IssueTokensInput {
  user: User | null;
  scopes: string[];
  /** Scopes of the refresh token when they differ from the access token's (a narrowing refresh). */
  refreshScopes?: string[];
  /** Ties access tokens to what issued them: code id or refresh-token family. */
  grantId: string;
  withRefreshToken: boolean;
  authTime?: number | null;
  nonce?: string | null;
  code?: string;
}

export async function issueTokens(deps: GrantDependencies, ctx: GrantContext, input: IssueTokensInput): Promise<TokenResponse> {
  const { client } = ctx;
  requireSenderConstraint(ctx.server, ctx.confirmation);
  const request = currentTokenRequest();
  const access = await deps.tokens.mintAccessToken({
    server: ctx.server,
    client,
    subject: input.user?.username ?? null,
    username: input.user?.username ?? null,
    scopes: input.scopes,
    confirmation: ctx.confirmation,
    grantId: input.grantId,
  });
  const refresh =
    input.withRefreshToken && client.grantTypes.includes('refresh_token')
      ? deps.tokens.mintRefreshToken({
          server: ctx,
          client,
          subject: access.record.subject,
          username: access.record.username,
          scopes: input.refreshScopes ?? input.scopes,
          familyId: input.grantId,
          grantId: input.grantId,
          authTime: input.authTime ?? null,
          // RFC 8705 §4 / RFC 9449 §5: a public client's refresh token is bound to its certificate and
          // DPoP key; a confidential client's is bound to the client (it authenticates on refresh) so it
          // may rotate certificates and keys.
          confirmation: client.tokenEndpointAuthMethod === 'none' ? ctx.confirmation : null,
        })
      : null;
  // Whatever the handler chain did to the context, nothing is stored that breaks a core invariant.
  enforceIssuance(request, { access: access.record, refresh: refresh?.record ?? null });
  await deps.store.accessTokens.create(access.record);
  if (refresh) await deps.store.refreshTokens.create(refresh.record);

  const response: TokenResponse = {
    access_token: access.token,
    // RFC 9449 §5: a DPoP-bound access token is of type DPoP (an mTLS-bound one stays Bearer, RFC 8705 §3).
    token_type: access.record.confirmation?.jkt !== undefined ? 'DPoP' : 'Bearer',
    expires_in: access.record.expiresAt - access.record.issuedAt,
    scope: input.scopes.join(' '),
  };
  if (refresh) response.refresh_token = refresh.token;
  if (input.user && input.scopes.includes('openid')) {
    response.id_token = await deps.tokens.issueIdToken({
      server: ctx.server,
      client,
      subject: input.user.username,
      nonce: input.nonce ?? null,
      authTime: input.authTime ?? null,
      accessToken: access.token,
      code: input.code,
      claims: { preferred_username: input.user.username },
    });
  }
  request.issued.push({ access, refresh, idToken: response.id_token ?? null, tokenType: response.token_type });
  deps.events.emit({
    type: 'token.issued',
    tenantId: ctx.tenantId,
    serverId: ctx.serverId,
    clientId: client.clientId,
    username: input.user?.username,
    certificateThumbprint: ctx.confirmation?.['x5t#S256'],
    details: { grantType: ctx.grantType, format: access.record.format, bound: ctx.confirmation !== null },
  });
  return response;
}
