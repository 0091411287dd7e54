/**
 * RFC 9449 §5 at the token endpoint: a request with a `DPoP` header must carry a valid proof for
 * `POST` to the token endpoint (main listener or mTLS alias); what the grant issues is then bound to
 * the proof key (`cnf.jkt`, and the core answers `token_type` DPoP). No header: nothing to bind here
 * (the core refuses a client registered with `dpop_bound_access_tokens`). A bad proof is
 * 400 `invalid_dpop_proof`; a missing or stale nonce 400 `use_dpop_nonce` with a fresh `DPoP-Nonce`.
 * A public client's refresh token is bound to the key too and needs a proof by it (the core checks
 * the bound refresh token against what this binder proved).
 *
 * The core runs binders at the PAR endpoint too (RFC 9449 §10.1): there the proof names the PAR
 * endpoint, and the key it proves binds the authorization code (the core stores it as the code's
 * `dpop_jkt` and checks it when the code is redeemed).
 */
import type { Logger, TokenBinder, TokenBinding, TokenBindingContext } from '../../../core/api/index.ts';
import { OAuthError } from '../../../core/api/index.ts';
import { JKT } from './component-names.ts';
import type { NonceIssuer } from './nonce.ts';
import { ProofError, type ProofVerifier } from './proof.ts';

export class DPoPTokenBinder implements TokenBinder {
  readonly confirmationMethods = [JKT] as const;

  constructor(
    private readonly verifier: ProofVerifier,
    private readonly nonces: NonceIssuer | null,
    private readonly logger: Logger,
  ) {}

  async bind(ctx: TokenBindingContext): Promise<TokenBinding | null> {
    const header = ctx.request.header('dpop');
    if (header === undefined) return null;
    const { server } = ctx;
    // RFC 9449 §10.1: a proof sent with a pushed authorization request names the PAR endpoint.
    const path = ctx.endpoint === 'pushed_authorization' ? 'par' : 'token';
    const urls = [`${server.endpointBase}/${path}`, ...(server.mtlsEndpointBase ? [`${server.mtlsEndpointBase}/${path}`] : [])];
    try {
      const { jkt } = await this.verifier.verify(header, { server, method: ctx.request.method, urls });
      this.logger.debug({ clientId: ctx.client.clientId, endpoint: ctx.endpoint, grantType: ctx.grantType, jkt }, ctx.endpoint === 'token' ? 'dpop: tokens bound to the proof key' : 'dpop: authorization code bound to the proof key');
      return { confirmation: { [JKT]: jkt }, responseHeaders: this.nonceHeader(ctx) };
    } catch (err) {
      if (!(err instanceof ProofError)) throw err;
      throw new OAuthError(400, err.code, err.description, {
        reason: `client ${ctx.client.clientId}: ${err.reason}`,
        headers: this.nonceHeader(ctx),
      });
    }
  }

  /** RFC 9449 §8: with nonces on, every answer carries the nonce to use next. */
  private nonceHeader(ctx: TokenBindingContext): Record<string, string> {
    return this.nonces ? { 'DPoP-Nonce': this.nonces.current(ctx) } : {};
  }
}
