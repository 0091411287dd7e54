/**
 * Bundle entry of `private-key-jwt-client-authenticator` (RFC 7523 §2.2, OIDC Core §9). Switched on by
 * an `[[event_listener]]` naming `tessera.jwt.PrivateKeyJWTClientAuthenticator`; the discovery
 * contributor comes on with it. Built only on the public API: keys behind `jwks_uri` through
 * `ctx.services.jwks`, single-use `jti` through `ctx.services.replay` (stored, cluster-wide).
 */
import type { PluginContext } from '../../../core/api/index.ts';
import { AssertionVerifier } from './assertion-verifier.ts';
import { COMPONENTS } from './component-names.ts';
import { PrivateKeyJwtMetadata } from './metadata-contributor.ts';
import { PrivateKeyJwtAuthenticator } from './private-key-jwt-authenticator.ts';
import { readSettings } from './settings.ts';

export function activate(ctx: PluginContext): void {
  const settings = readSettings(ctx.config, ctx.settings, (message) => ctx.logger.warn({ bundle: ctx.bundle.name }, message));
  ctx.provide('ClientAuthenticator', COMPONENTS.authenticator, (deps) => {
    const jwksUri = ctx.services.jwks.cache(settings.jwksUri);
    deps.logger.debug({ component: COMPONENTS.authenticator, algs: settings.signingAlgs, maxLifetimeSeconds: settings.maxLifetimeSeconds }, 'JWT client authenticator built');
    return new PrivateKeyJwtAuthenticator(new AssertionVerifier({ settings, jwksUri, replay: ctx.services.replay }));
  });
  ctx.provide('MetadataContributor', COMPONENTS.metadata, () => new PrivateKeyJwtMetadata(settings.signingAlgs));
}
