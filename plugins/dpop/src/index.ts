/**
 * The `dpop` bundle (RFC 9449): a TokenBinder at the token endpoint, a ProtectedResourceValidator
 * for userinfo, `cnf.jkt` in introspection and the discovery member. One proof verifier and one nonce
 * issuer serve both ends. Settings: `[plugins.dpop]` (see settings.ts).
 */
import type { PluginContext } from '../../../core/api/index.ts';
import { DPoPBindingDataProvider } from './binding-data-provider.ts';
import { DPoPBoundTokenValidator } from './bound-token-validator.ts';
import { COMPONENTS } from './component-names.ts';
import { DPoPMetadata } from './metadata-contributor.ts';
import { NonceIssuer } from './nonce.ts';
import { ProofVerifier } from './proof.ts';
import { readDpopSettings } from './settings.ts';
import { DPoPTokenBinder } from './token-binder.ts';

export function activate(ctx: PluginContext): void {
  const settings = readDpopSettings(ctx.settings, ctx.logger);
  const now = () => Math.floor(ctx.services.clock.now() / 1000);
  const nonceIssuer = new NonceIssuer(settings.nonceSecret, settings.nonceLifetimeSeconds, now);
  const verifier = new ProofVerifier(settings, nonceIssuer, ctx.services.replay, now);
  // Nonces are handed out only when required; a client may still send one it got before.
  const nonces = settings.requireNonce ? nonceIssuer : null;

  ctx.provide('TokenBinder', COMPONENTS.binder, (deps) => new DPoPTokenBinder(verifier, nonces, deps.logger));
  ctx.provide('ProtectedResourceValidator', COMPONENTS.resourceValidator, () => new DPoPBoundTokenValidator(verifier, nonces));
  ctx.provide('IntrospectionDataProvider', COMPONENTS.introspection, () => new DPoPBindingDataProvider());
  ctx.provide('MetadataContributor', COMPONENTS.metadata, () => new DPoPMetadata(settings.signingAlgs));

  ctx.logger.debug({ bundle: ctx.bundle.name, algs: settings.signingAlgs, requireNonce: settings.requireNonce }, 'dpop activated');
}
