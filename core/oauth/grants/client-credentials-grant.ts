import type { GrantContext, GrantHandler } from '../../api/extension-points.ts';
import { UnauthorizedClient } from '../../errors/oauth-errors.ts';
import { newTimeOrderedId } from '../../tokens/token-ids.ts';
import type { GrantDependencies } from './grant-dependencies.ts';
import { issueTokens } from './issue-tokens.ts';
import { resolveScopes } from './scopes.ts';

/** RFC 6749 §4.4: confidential clients only, no refresh token. */
export class ClientCredentialsGrant implements GrantHandler {
  constructor(private readonly deps: GrantDependencies) {}

  async handle(ctx: GrantContext) {
    if (ctx.clientAuth.method === 'none') throw new UnauthorizedClient('a public client cannot use client_credentials');
    const scopes = resolveScopes(ctx.params.scope, ctx.client, this.deps.settings.defaultScopes);
    return issueTokens(this.deps, ctx, { user: null, scopes, grantId: newTimeOrderedId(16), withRefreshToken: false });
  }
}
