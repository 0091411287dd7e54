import type { GrantContext, GrantHandler } from '../../api/extension-points.ts';
import { InvalidGrant, InvalidRequest } from '../../errors/oauth-errors.ts';
import { newTimeOrderedId } from '../../tokens/token-ids.ts';
import type { GrantDependencies } from './grant-dependencies.ts';
import { issueTokens } from './issue-tokens.ts';
import { currentTokenRequest } from '../invariants/index.ts';
import { resolveScopes } from './scopes.ts';
import { epochSeconds } from '../../time/clock.ts';

/** RFC 6749 §4.3 resource owner password credentials (kept for the WSO2 guide's first call). */
export class PasswordGrant implements GrantHandler {
  constructor(private readonly deps: GrantDependencies) {}

  async handle(ctx: GrantContext) {
    const { username, password } = ctx.params;
    if (!username || password === undefined) throw new InvalidRequest('username and password are required');
    const scopes = resolveScopes(ctx.params.scope, ctx.client, this.deps.settings.defaultScopes);
    const outcome = await this.deps.users.login(ctx, username, password, ctx.request.clientAddress);
    this.deps.events.emit({
      type: outcome.ok ? 'user.login.succeeded' : 'user.login.failed',
      tenantId: ctx.tenantId,
      serverId: ctx.serverId,
      clientId: ctx.client.clientId,
      username,
      reason: outcome.ok ? undefined : outcome.reason,
      remoteAddress: ctx.request.clientAddress,
    });
    if (!outcome.ok) {
      throw new InvalidGrant(outcome.reason === 'locked' ? 'too many failed attempts; try again later' : 'invalid username or password', outcome.reason);
    }
    const request = currentTokenRequest();
    if (request) request.found.login = { username, user: outcome.user };
    return issueTokens(this.deps, ctx, {
      user: outcome.user,
      scopes,
      grantId: newTimeOrderedId(16),
      withRefreshToken: true,
      authTime: epochSeconds(this.deps.clock),
    });
  }
}
