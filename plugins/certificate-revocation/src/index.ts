/**
 * Bundle entry of `certificate-revocation`: revocation checking for tls_client_auth, plugged into the
 * mutual-TLS authenticator through its CertificateValidator extension point (a bundle extending a
 * bundle through the public API only). Switched on by an `[[event_listener]]` naming
 * `tessera.revocation.CertificateRevocationValidator` and `[oauth.mutualtls.revocation] mode` other
 * than "off"; the bound-token components come with it and act only with `check_bound_tokens = true`.
 *
 * CRL files are read when the validator is built (start-up, only when it is enabled and the mode is not
 * "off"), so a missing or unreadable one stops start-up (fail closed).
 */
import type { PluginContext } from '../../../core/api/index.ts';
import { boundedFetcher } from './bounded-fetch.ts';
import { BoundTokenCheck, BoundTokenRevocationInterceptor, BoundTokenRevocationResourceValidator } from './bound-tokens.ts';
import { COMPONENTS } from './component-names.ts';
import { CrlDistributionPoints } from './crl-distribution-points.ts';
import { CrlFiles } from './crl-files.ts';
import { OcspClient } from './ocsp.ts';
import { RevocationChecker } from './revocation-checker.ts';
import { RevocationValidator } from './revocation-validator.ts';
import { readSettings } from './settings.ts';

export function activate(ctx: PluginContext): void {
  const settings = readSettings(ctx.config);
  const now = () => ctx.services.clock.now();
  let checker: RevocationChecker | null = null;
  const mode = settings.mode;

  // Built lazily and once: the validator and the bound-token components share the caches.
  const shared = (): RevocationChecker => {
    if (checker) return checker;
    const fetcher = boundedFetcher({ timeoutMs: settings.fetchTimeoutMs, maxBytes: settings.maxResponseBytes });
    checker = new RevocationChecker(
      {
        files: settings.crlFiles.length > 0 ? new CrlFiles(settings.crlFiles, now, ctx.logger) : null,
        ocsp: settings.ocsp ? new OcspClient({ fetcher, responderUrl: settings.ocspResponderUrl, cacheMs: settings.cacheMs, now }) : null,
        distributionPoints: settings.crlDistributionPoints ? new CrlDistributionPoints(fetcher, settings.cacheMs, now, ctx.logger) : null,
      },
      settings.cacheMs,
      now,
      ctx.logger,
    );
    return checker;
  };

  ctx.provide('CertificateValidator', COMPONENTS.validator, (deps) => {
    if (mode === 'off') {
      deps.logger.info({ component: COMPONENTS.validator }, 'certificate revocation checking is enabled but [oauth.mutualtls.revocation] mode = "off": nothing is checked');
      return { validate: () => null };
    }
    if (settings.crlFiles.length === 0 && !settings.ocsp && !settings.crlDistributionPoints) {
      deps.logger.warn(
        { component: COMPONENTS.validator, mode },
        'certificate revocation checking has no source (crl_files, crl_distribution_points, ocsp): every status is unknown',
      );
    }
    const validator = new RevocationValidator(shared(), mode, deps.logger);
    deps.logger.info(
      { component: COMPONENTS.validator, mode, crlFiles: settings.crlFiles.length, crlDistributionPoints: settings.crlDistributionPoints, ocsp: settings.ocsp, responder: settings.ocspResponderUrl },
      'certificate revocation checking on',
    );
    return validator;
  });

  const boundCheck = () => (mode !== 'off' && settings.checkBoundTokens ? new BoundTokenCheck(shared(), mode, ctx.logger) : null);
  ctx.provide('IntrospectionInterceptor', COMPONENTS.introspection, () => {
    const check = boundCheck();
    return check ? new BoundTokenRevocationInterceptor(check) : { intercept: (response) => response };
  });
  ctx.provide('ProtectedResourceValidator', COMPONENTS.resource, () => {
    const check = boundCheck();
    return check ? new BoundTokenRevocationResourceValidator(check) : { confirmationMethods: [], validate: () => undefined };
  });
}
