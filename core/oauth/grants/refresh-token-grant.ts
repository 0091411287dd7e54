import type { GrantContext, GrantHandler } from '../../api/extension-points.ts';
import { InvalidGrant, InvalidRequest, InvalidScope } from '../../errors/oauth-errors.ts';
import type { GrantDependencies } from './grant-dependencies.ts';
import { issueTokens } from './issue-tokens.ts';
import { parseScope } from './scopes.ts';
import { currentTokenRequest } from '../invariants/index.ts';
import { unprovenMembers } from '../invariants/refresh-binding.ts';
import { timingSafeEqual } from 'node:crypto';
import { epochSeconds } from '../../time/clock.ts';

function sameValue(presented: string | undefined, bound: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(bound);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * RFC 6749 §6 with rotation: each refresh token works once; presenting a used one is reuse and
 * revokes its whole family (RFC 9700 §4.14.2). A bound refresh token (its `cnf`) is refreshed only
 * when the handler chain verified every member of it: with no verifier enabled, it fails closed.
 */
export class RefreshTokenGrant implements GrantHandler {
  constructor(private readonly deps: GrantDependencies) {}

  async handle(ctx: GrantContext) {
    const value = ctx.params.refresh_token;
    if (!value) throw new InvalidRequest('refresh_token is required');
    const record = await this.deps.tokens.findRefreshToken(ctx, value);
    const now = epochSeconds(this.deps.clock);
    if (!record || record.revoked || record.expiresAt <= now) throw new InvalidGrant('the refresh token is invalid or expired');
    if (record.clientId !== ctx.client.clientId) throw new InvalidGrant('the refresh token was issued to another client', `refresh token of ${record.clientId} presented by ${ctx.client.clientId}`);
    if (record.usedAt !== null) return this.reuse(ctx, record.familyId);
    // A member is verified by the handler chain, or by a TokenBinder's proof of the same value (DPoP key).
    const unverified = Object.entries(record.confirmation ?? {})
      .filter(([member, bound]) => !ctx.verifiedConfirmations.has(member) && !sameValue(ctx.proofs[member], bound))
      .map(([member]) => member);
    if (unverified.length > 0) {
      const what = unverified.includes('jkt') ? 'a DPoP key' : 'a certificate';
      throw new InvalidGrant(`the refresh token is bound to ${what} that was not presented`, `unverified cnf members: ${unverified.join(', ')}`);
    }
    // The chain's word is not enough: the core checks the proof itself before the token is used up.
    const request = currentTokenRequest();
    const unproven = request ? unprovenMembers(request, record.confirmation) : ['(no token request)'];
    if (unproven.length > 0) throw new InvalidGrant('the refresh token is bound to a proof that was not presented', `no proof in this request of cnf ${unproven.join(', ')}`);
    request!.found.refreshToken = record;

    const asked = parseScope(ctx.params.scope);
    const extra = asked.filter((s) => !record.scopes.includes(s));
    // RFC 6749 §5.2: a scope exceeding what the owner granted is invalid_scope, not invalid_grant.
    if (extra.length > 0) throw new InvalidScope(`scope exceeds the original grant: ${extra.join(' ')}`);
    if (!(await this.deps.store.refreshTokens.markUsed(ctx, record.id, now))) return this.reuse(ctx, record.familyId);

    const user = record.username ? await this.deps.store.users.getByUsername(ctx, record.username) : null;
    if (record.username && !user) throw new InvalidGrant('the user of this refresh token no longer exists');
    const response = await issueTokens(this.deps, ctx, {
      user,
      scopes: asked.length > 0 ? asked : record.scopes,
      // RFC 6749 §6: narrowing applies to this access token; the new refresh token keeps the grant.
      refreshScopes: record.scopes,
      grantId: record.familyId,
      withRefreshToken: true,
      authTime: record.authTime,
    });
    // A reuse that raced this rotation revoked only what existed when it ran. Either the presented
    // token is revoked by now, or that revocation ran after our inserts and covered them.
    if ((await this.deps.store.refreshTokens.get(ctx, record.id))?.revoked) await this.revokeFamily(ctx, record.familyId);
    this.deps.events.emit({ type: 'token.refreshed', tenantId: ctx.tenantId, serverId: ctx.serverId, clientId: ctx.client.clientId });
    return response;
  }

  private async revokeFamily(ctx: GrantContext, familyId: string) {
    await this.deps.store.refreshTokens.revokeFamily(ctx, familyId);
    await this.deps.store.accessTokens.revokeByGrant(ctx, familyId);
  }

  private async reuse(ctx: GrantContext, familyId: string): Promise<never> {
    await this.revokeFamily(ctx, familyId);
    this.deps.events.emit({ type: 'token.reuse_detected', tenantId: ctx.tenantId, serverId: ctx.serverId, clientId: ctx.client.clientId, reason: 'refresh token reused; family revoked' });
    throw new InvalidGrant('the refresh token was already used', 'refresh token reuse: family revoked');
  }
}
