/** What /authorize and the PAR endpoint check requests against, read once from the configuration. */
import type { TesseraConfig } from '../../config/schema.ts';
import type { ExtensionSet } from '../../plugins/extension-set.ts';
import type { AuthorizationSettings } from './authorization-request.ts';

/** The settings, and the grant chains (whether the code flow is on). */
export interface AuthorizationSettingsDependencies {
  readonly config: TesseraConfig;
  readonly extensions: ExtensionSet;
}

export function authorizationSettings(runtime: AuthorizationSettingsDependencies): AuthorizationSettings {
  const { oauth } = runtime.config;
  return {
    codeFlowEnabled: runtime.extensions.grantChains.has('authorization_code'),
    defaultScopes: oauth.default_scopes,
    allowPlainPkce: oauth.allow_plain_pkce,
    requirePkceForPublicClients: oauth.require_pkce_for_public_clients,
    requirePushedRequests: oauth.require_pushed_authorization_requests,
  };
}
