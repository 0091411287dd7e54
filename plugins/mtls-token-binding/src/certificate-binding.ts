/**
 * The one binding decision every grant shares (RFC 8705 §3): whether the tokens a grant issues are
 * bound to the client certificate of the request, and to which.
 *
 * A token is bound to the presented certificate (TLS socket or trusted-proxy header alike, whatever
 * the client-authentication method, public clients included) when
 *   - the client registered `tls_client_certificate_bound_access_tokens`, or
 *   - `[oauth.mutualtls] bind_all_access_tokens = true`, or
 *   - the client authenticated with its certificate (WSO2 binds those): `tls_client_auth`,
 *     `self_signed_tls_client_auth`, or a client with registered certificates and no method.
 * A client that requires binding and presents no usable certificate gets `invalid_grant`, never an
 * unbound token; so does one whose presented certificate is unusable (a malformed proxy header) when
 * binding would apply — a certificate the client meant to present is not silently dropped.
 */
import type { ClientCertificate, Confirmation, GrantContext, GrantHandler, Logger, TokenResponse } from '../../../core/api/index.ts';
import { InvalidGrant } from '../../../core/api/index.ts';
import { X5T_S256 } from './component-names.ts';
import type { BindingSettings } from './settings.ts';

const CERTIFICATE_METHODS: ReadonlySet<string> = new Set(['tls_client_auth', 'self_signed_tls_client_auth']);

export interface BindingOptions {
  /** Bind even when no rule above asks for it, and refuse without a certificate (a bound refresh token). */
  readonly required?: boolean;
}

/** The certificate the client presented: the one its authentication proved, else the request's. */
export function presentedCertificate(ctx: GrantContext): ClientCertificate | null {
  return ctx.clientAuth.certificate ?? ctx.request.clientCertificate.certificate;
}

/** Whether the client authenticated by a certificate (RFC 8705 §2, or the WSO2 registered-certificate flow). */
export function authenticatedByCertificate(ctx: GrantContext): boolean {
  if (ctx.clientAuth.certificate) return true;
  if (CERTIFICATE_METHODS.has(ctx.clientAuth.method)) return true;
  return ctx.client.tokenEndpointAuthMethod === null && ctx.client.certificates.length > 0;
}

export class CertificateBinding {
  constructor(
    private readonly settings: BindingSettings,
    private readonly logger: Logger,
  ) {}

  /** The confirmation to bind to (null: unbound). Throws `invalid_grant` when binding is required but impossible. */
  decide(ctx: GrantContext, options: BindingOptions = {}): Confirmation | null {
    const { client } = ctx;
    const required = options.required === true || client.tlsClientCertificateBoundAccessTokens;
    const wanted = required || this.settings.bindAllAccessTokens || authenticatedByCertificate(ctx);
    if (!wanted) return null;
    const certificate = presentedCertificate(ctx);
    if (certificate) return { [X5T_S256]: certificate.thumbprint };
    const problem = ctx.request.clientCertificate.problem;
    if (required) {
      throw new InvalidGrant(
        'certificate-bound tokens require a client certificate: present one over mutual TLS',
        `client ${client.clientId} requires certificate-bound tokens; ${problem ?? 'no client certificate presented'}`,
      );
    }
    if (problem) throw new InvalidGrant('the presented client certificate is not usable', `client ${client.clientId}: ${problem}`);
    return null;
  }

  /** Sets the binding on the context (keeping confirmation members an outer handler set) and logs it. */
  apply(ctx: GrantContext, options: BindingOptions = {}): void {
    const confirmation = this.decide(ctx, options);
    if (!confirmation) {
      this.logger.debug({ clientId: ctx.client.clientId, grantType: ctx.grantType }, 'mtls-token-binding: tokens not bound');
      return;
    }
    ctx.confirmation = { ...(ctx.confirmation ?? {}), ...confirmation };
    this.logger.debug(
      { clientId: ctx.client.clientId, grantType: ctx.grantType, [X5T_S256]: confirmation[X5T_S256] },
      'mtls-token-binding: tokens bound to the client certificate',
    );
  }
}

/**
 * A grant handler override that decides the binding and hands the request to the handler it replaces.
 * It copies no grant logic: validation and issuance stay the core's.
 */
export class CertificateBindingGrantHandler implements GrantHandler {
  constructor(
    protected readonly next: GrantHandler,
    protected readonly binding: CertificateBinding,
  ) {}

  async handle(ctx: GrantContext): Promise<TokenResponse> {
    this.binding.apply(ctx);
    return this.next.handle(ctx);
  }
}
