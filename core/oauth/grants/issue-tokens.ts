/**
 * The common tail of every grant: access token (bound when the handler chain set a confirmation),
 * refresh token when the client may refresh, and an ID token when `openid` was granted to a user.
 */
import type { GrantContext, TokenResponse } from '../../api/extension-points.ts';
import type { User } from '../../api/model.ts';
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
  const access = await deps.tokens.issueAccessToken({
    server: ctx.server,
    client,
    subject: input.user?.username ?? null,
    username: input.user?.username ?? null,
    scopes: input.scopes,
    confirmation: ctx.confirmation,
    grantId: input.grantId,
  });
  const response: TokenResponse = {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: access.record.expiresAt - access.record.issuedAt,
    scope: input.scopes.join(' '),
  };
  if (input.withRefreshToken && client.grantTypes.includes('refresh_token')) {
    const refresh = await deps.tokens.issueRefreshToken({
      server: ctx,
      client,
      subject: access.record.subject,
      username: access.record.username,
      scopes: input.refreshScopes ?? input.scopes,
      familyId: input.grantId,
      grantId: input.grantId,
      authTime: input.authTime ?? null,
      // RFC 8705 §4: a public client's refresh token is bound to its certificate; a confidential
      // client's is bound to the client (it authenticates on refresh) so it may rotate certificates.
      confirmation: client.tokenEndpointAuthMethod === 'none' ? ctx.confirmation : null,
    });
    response.refresh_token = refresh.token;
  }
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
