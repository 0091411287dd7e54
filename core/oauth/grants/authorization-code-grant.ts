import type { GrantContext, GrantHandler } from '../../api/extension-points.ts';
import { InvalidGrant, InvalidRequest } from '../../errors/oauth-errors.ts';
import { sha256Base64Url } from '../../crypto/sha256.ts';
import type { GrantDependencies } from './grant-dependencies.ts';
import { issueTokens } from './issue-tokens.ts';
import { currentTokenRequest } from '../invariants/index.ts';
import { PKCE_VERIFIER, pkceMatches } from './pkce.ts';
import { JKT } from '../invariants/dpop-binding.ts';
import { epochSeconds } from '../../time/clock.ts';

/** How long a reuse mark outlives the reuse: far longer than issuing tokens for one code takes. */
const REUSE_MARK_SECONDS = 600;

const reuseKey = (ctx: GrantContext, codeId: string) => `code-reused:${ctx.tenantId}/${ctx.serverId}:${codeId}`;

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636). A code is redeemed once, atomically; a second redemption
 * revokes every token the first one issued (RFC 6749 §4.1.2).
 */
export class AuthorizationCodeGrant implements GrantHandler {
  constructor(private readonly deps: GrantDependencies) {}

  async handle(ctx: GrantContext) {
    const { code, redirect_uri: redirectUri, code_verifier: verifier } = ctx.params;
    if (!code) throw new InvalidRequest('code is required');
    if (code.length > 512) throw new InvalidGrant('the authorization code is invalid');
    const codeId = sha256Base64Url(code);
    const now = epochSeconds(this.deps.clock);
    const outcome = await this.deps.store.codes.redeem(ctx, codeId, now);
    if (!outcome) throw new InvalidGrant('the authorization code is invalid or expired');
    if ('reused' in outcome) {
      // Mark the reuse before revoking: a concurrent first redemption that is still issuing sees
      // the mark after its inserts and revokes its own tokens (see below).
      await this.deps.store.kv.put(reuseKey(ctx, codeId), '1', now + REUSE_MARK_SECONDS);
      await this.revokeIssued(ctx, codeId);
      throw new InvalidGrant('the authorization code was already used', 'authorization code reuse: tokens issued from it were revoked');
    }
    const record = outcome.redeemed;
    if (record.clientId !== ctx.client.clientId) {
      throw new InvalidGrant('the authorization code was issued to another client', `code of ${record.clientId} presented by ${ctx.client.clientId}`);
    }
    // RFC 6749 §4.1.3: redirect_uri is required here only if the authorization request carried it.
    // The code keeps just the URI it was sent to (defaulted when the client registered only one), so
    // an omitted redirect_uri is accepted exactly when no other URI could have been used.
    const defaulted = redirectUri === undefined && ctx.client.redirectUris.length === 1 && ctx.client.redirectUris[0] === record.redirectUri;
    if (!defaulted && redirectUri !== record.redirectUri) throw new InvalidGrant('redirect_uri does not match the authorization request');
    if (record.codeChallenge) {
      if (!verifier || !PKCE_VERIFIER.test(verifier)) throw new InvalidGrant('a valid code_verifier is required');
      if (!pkceMatches(verifier, record.codeChallenge, record.codeChallengeMethod ?? 'plain')) throw new InvalidGrant('code_verifier does not match');
    } else if (verifier) {
      // RFC 9700 §4.8.2: a verifier with no challenge is a downgrade attempt.
      throw new InvalidGrant('code_verifier sent but the authorization request had no code_challenge');
    }
    const request = currentTokenRequest();
    if (request) request.found.code = record;
    // RFC 9449 §10: a code bound to a DPoP key is redeemed only with a proof by that key. The core's
    // view of what the binders proved, not the chain's copy.
    if (record.dpopJkt) {
      const proved = request ? request.proofs.get(JKT) : ctx.proofs[JKT];
      if (proved !== record.dpopJkt) {
        throw new InvalidGrant(
          proved === undefined ? 'this authorization code is bound to a DPoP key: send a DPoP proof by that key' : 'the DPoP proof key does not match the dpop_jkt the authorization code is bound to',
          `code bound to jkt ${record.dpopJkt}, proof ${proved ?? 'none'}`,
        );
      }
    }
    const user = await this.deps.store.users.getByUsername(ctx, record.username);
    if (!user) throw new InvalidGrant('the user of this authorization code no longer exists');
    const response = await issueTokens(this.deps, ctx, {
      user,
      scopes: record.scopes,
      grantId: codeId,
      withRefreshToken: true,
      authTime: record.authTime,
      nonce: record.nonce,
      code,
    });
    // A reuse that raced this redemption revoked only what existed when it ran. Either its mark
    // is visible now, or it was set after our tokens were stored and its revocation covers them.
    if (await this.deps.store.kv.get(reuseKey(ctx, codeId), epochSeconds(this.deps.clock))) await this.revokeIssued(ctx, codeId);
    return response;
  }

  private async revokeIssued(ctx: GrantContext, codeId: string) {
    await this.deps.store.accessTokens.revokeByGrant(ctx, codeId);
    await this.deps.store.refreshTokens.revokeFamily(ctx, codeId);
    this.deps.events.emit({ type: 'token.reuse_detected', tenantId: ctx.tenantId, serverId: ctx.serverId, clientId: ctx.client.clientId, reason: 'authorization code reused' });
  }
}
