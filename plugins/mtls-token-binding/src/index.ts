/**
 * Bundle entry of `mtls-token-binding` (RFC 8705 §3 certificate-bound access tokens).
 *
 * Everything from the host comes through `activate(ctx)`: the configuration (bind_all_access_tokens),
 * the refresh-token lookup, and — per grant — the core handler each override wraps (`deps.next`).
 * Switched on per grant by `[oauth.grant_type.<grant>] grant_handler = "<name or WSO2 alias>"`; the
 * resource validator and the discovery flag come on with any of the handlers (`enabledWith`).
 */
import type { ComponentDeps, GrantHandler, PluginContext } from '../../../core/api/index.ts';
import { AuthorizationCodeBindingHandler } from './authorization-code-grant-handler.ts';
import { CertificateBinding } from './certificate-binding.ts';
import { CertificateBoundTokenValidator } from './certificate-bound-token-validator.ts';
import { ClientCredentialsBindingHandler } from './client-credentials-grant-handler.ts';
import { COMPONENTS } from './component-names.ts';
import { CertificateBoundTokensMetadata } from './metadata-contributor.ts';
import { PasswordBindingHandler } from './password-grant-handler.ts';
import { RefreshTokenBindingHandler } from './refresh-token-grant-handler.ts';
import { readBindingSettings } from './settings.ts';

// The resource-server helpers ship in the bundle too: `import ... from 'dropins/mtls-token-binding/index.js'`.
export {
  bearerChallenge,
  bearerToken,
  certificateBoundToken,
  certificateThumbprint,
  checkCertificateBinding,
  peerCertificateDer,
  verifyCertificateBinding,
} from './resource-server-middleware.ts';

export function activate(ctx: PluginContext): void {
  const settings = readBindingSettings(ctx.config);

  /** The handler an override wraps; without one there is nothing to bind (fail at start-up, not per request). */
  const wrapped = (deps: ComponentDeps, name: string): { next: GrantHandler; binding: CertificateBinding } => {
    if (!deps.next) throw new Error(`${name} wraps the default ${deps.grantType ?? ''} handler, and there is none`);
    return { next: deps.next, binding: new CertificateBinding(settings, deps.logger) };
  };

  ctx.provide('GrantHandler', COMPONENTS.authorizationCode, (deps) => {
    const { next, binding } = wrapped(deps, COMPONENTS.authorizationCode);
    return new AuthorizationCodeBindingHandler(next, binding);
  });
  ctx.provide('GrantHandler', COMPONENTS.clientCredentials, (deps) => {
    const { next, binding } = wrapped(deps, COMPONENTS.clientCredentials);
    return new ClientCredentialsBindingHandler(next, binding);
  });
  ctx.provide('GrantHandler', COMPONENTS.password, (deps) => {
    const { next, binding } = wrapped(deps, COMPONENTS.password);
    return new PasswordBindingHandler(next, binding);
  });
  ctx.provide('GrantHandler', COMPONENTS.refreshToken, (deps) => {
    const { next, binding } = wrapped(deps, COMPONENTS.refreshToken);
    return new RefreshTokenBindingHandler(next, binding, ctx.services.tokens);
  });
  ctx.provide('ProtectedResourceValidator', COMPONENTS.resourceValidator, () => new CertificateBoundTokenValidator());
  ctx.provide('MetadataContributor', COMPONENTS.metadata, () => new CertificateBoundTokensMetadata());

  ctx.logger.debug({ bundle: ctx.bundle.name, bindAllAccessTokens: settings.bindAllAccessTokens }, 'mtls-token-binding activated');
}
