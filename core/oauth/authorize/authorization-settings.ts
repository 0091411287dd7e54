/** What /authorize and the PAR endpoint check requests against, read once from the configuration. */
import type { CoreRuntime } from '../../runtime/core-runtime.ts';
import type { AuthorizationSettings } from './authorization-request.ts';

export function authorizationSettings(runtime: CoreRuntime): AuthorizationSettings {
  const { oauth } = runtime.config;
  return {
    codeFlowEnabled: runtime.extensions.grantChains.has('authorization_code'),
    defaultScopes: oauth.default_scopes,
    allowPlainPkce: oauth.allow_plain_pkce,
    requirePkceForPublicClients: oauth.require_pkce_for_public_clients,
    requirePushedRequests: oauth.require_pushed_authorization_requests,
  };
}
