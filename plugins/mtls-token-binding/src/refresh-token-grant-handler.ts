/**
 * refresh_token with certificate binding — the counterpart of WSO2's MTLSTokenBindingRefreshGrantHandler,
 * which never looks at the certificate on refresh. Here:
 *
 * - A refresh token bound by `x5t#S256` (a public client's, RFC 8705 §4) is refreshed only with that
 *   certificate: the match is recorded in `ctx.verifiedConfirmations`, which the core requires before
 *   it rotates a bound refresh token; no certificate or another one is `invalid_grant`, and the token
 *   stays usable by its holder (the core never sees the request, so nothing is marked used).
 * - A confidential client's refresh token is bound to the client, not to a certificate (RFC 8705 §4):
 *   the client authenticates on refresh and may have rotated its certificate.
 * - The new access token is bound to the presented certificate by the rules every grant shares; a
 *   bound refresh token makes binding required.
 *
 * Refresh tokens the core does not know, or of another client, are left to the core's own errors.
 */
import type { CoreServices, GrantContext, GrantHandler, TokenResponse } from '../../../core/api/index.ts';
import { InvalidGrant } from '../../../core/api/index.ts';
import { CertificateBinding, presentedCertificate } from './certificate-binding.ts';
import { X5T_S256 } from './component-names.ts';
import { sameThumbprint } from './thumbprint-match.ts';

export class RefreshTokenBindingHandler implements GrantHandler {
  constructor(
    private readonly next: GrantHandler,
    private readonly binding: CertificateBinding,
    private readonly tokens: CoreServices['tokens'],
  ) {}

  async handle(ctx: GrantContext): Promise<TokenResponse> {
    const bound = await this.boundThumbprint(ctx);
    if (bound !== null) {
      const certificate = presentedCertificate(ctx);
      const description = 'the refresh token is bound to a client certificate that was not presented';
      if (!certificate) {
        throw new InvalidGrant(description, `bound refresh token of ${ctx.client.clientId}: ${ctx.request.clientCertificate.problem ?? 'no client certificate presented'}`);
      }
      if (!sameThumbprint(certificate.thumbprint, bound)) {
        throw new InvalidGrant(description, `bound refresh token of ${ctx.client.clientId} presented with certificate ${certificate.thumbprint}`);
      }
      ctx.verifiedConfirmations.add(X5T_S256);
    }
    this.binding.apply(ctx, { required: bound !== null });
    return this.next.handle(ctx);
  }

  /** The `x5t#S256` the presented refresh token is bound to, or null (unbound, unknown, another client's). */
  private async boundThumbprint(ctx: GrantContext): Promise<string | null> {
    const value = ctx.params.refresh_token;
    if (!value) return null;
    const record = await this.tokens.findRefreshToken(ctx, value);
    if (!record || record.clientId !== ctx.client.clientId) return null;
    return record.confirmation?.[X5T_S256] ?? null;
  }
}
