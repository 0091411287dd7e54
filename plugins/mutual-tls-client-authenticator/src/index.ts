/**
 * Bundle entry of `mutual-tls-client-authenticator` (RFC 8705 §2). Switched on by an
 * `[[event_listener]]` naming `tessera.mtls.MutualTLSClientAuthenticator` — or the WSO2 guide's entry
 * pasted unchanged, whose `org.wso2...MutualTLSClientAuthenticator` name is an alias (order 158).
 * The discovery contributor comes on with it (`enabledWith`).
 *
 * Everything is read once here: the configuration, and the trust anchors file. A bad anchors file or
 * plugin setting throws, which stops start-up when the authenticator is enabled (fail closed).
 */
import { readFileSync } from 'node:fs';
import type { PluginContext } from '../../../core/api/index.ts';
import { COMPONENTS } from './component-names.ts';
import { MutualTlsClientAuthMetadata } from './metadata-contributor.ts';
import { MutualTlsClientAuthenticator } from './mutual-tls-client-authenticator.ts';
import { PkiMethod } from './pki-method.ts';
import { SelfSignedMethod } from './self-signed-method.ts';
import { readSettings } from './settings.ts';
import { loadTrustAnchors } from './trust-anchors.ts';
import { installX509 } from './x509.ts';

export function activate(ctx: PluginContext): void {
  installX509(ctx.services.x509);
  const settings = readSettings(ctx.config, ctx.settings, (message) => ctx.logger.warn({ bundle: ctx.bundle.name }, message));
  const anchors = loadTrustAnchors(settings);
  const extraCa = settings.jwksUri.caFile ? readCaFile(settings.jwksUri.caFile) : null;

  ctx.provide('ClientAuthenticator', COMPONENTS.authenticator, (deps) => {
    if (anchors === null) {
      deps.logger.warn(
        { component: COMPONENTS.authenticator },
        'tls_client_auth is enabled but neither [oauth.mutualtls] trust_anchors nor [transport.https] truststore is set: every tls_client_auth attempt fails',
      );
    }
    // The fetch rules (https only, [limits] size and time bounds) are the core's: ctx.services.jwks.
    const jwksUri = ctx.services.jwks.cache({ cacheMs: settings.jwksUri.cacheMs, refetchIntervalMs: settings.jwksUri.refetchIntervalMs, extraCa });
    deps.logger.debug(
      {
        component: COMPONENTS.authenticator,
        trustAnchors: anchors?.size ?? 0,
        from: settings.trustAnchorsKey,
        maxChainDepth: settings.maxChainDepth,
        certificateValidators: (deps.certificateValidators ?? []).map((v) => v.name),
      },
      'mutual-TLS client authenticator built',
    );
    return new MutualTlsClientAuthenticator(
      new PkiMethod({
        anchors,
        maxChainDepth: settings.maxChainDepth,
        checkExtendedKeyUsage: settings.checkExtendedKeyUsage,
        // Bundles extend bundles: CertificateValidator components (e.g. certificate-revocation).
        validators: deps.certificateValidators ?? [],
      }),
      new SelfSignedMethod({ jwksUri, maxCertificates: settings.maxCertificatesPerClient }),
    );
  });
  ctx.provide('MetadataContributor', COMPONENTS.metadata, () => new MutualTlsClientAuthMetadata());
}

function readCaFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`[plugins.mutual-tls-client-authenticator] jwks_uri_ca_file = "${file}": cannot read the file (${(e as Error).message})`);
  }
}
