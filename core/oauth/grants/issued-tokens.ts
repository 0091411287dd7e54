/**
 * What the core issued for one token request, so the token endpoint can check its invariants against
 * the records it wrote rather than against what a grant handler chain says it did. Keyed by the
 * request's GrantContext (weakly: an entry lives as long as its request).
 */
import type { GrantContext } from '../../api/extension-points.ts';
import type { AccessTokenRecord, RefreshTokenRecord } from '../../api/model.ts';

export interface IssuedTokens {
  readonly access: AccessTokenRecord;
  readonly refresh: RefreshTokenRecord | null;
}

const issued = new WeakMap<GrantContext, IssuedTokens>();

export function recordIssued(ctx: GrantContext, tokens: IssuedTokens): void {
  issued.set(ctx, tokens);
}

/** The tokens the core issued for this request, or undefined when the chain answered without it. */
export function issuedFor(ctx: GrantContext): IssuedTokens | undefined {
  return issued.get(ctx);
}
