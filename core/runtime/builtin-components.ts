/**
 * The core's own components, registered through the same loader as a bundle's so that
 * `tessera plugins` lists them and `[[event_listener]] enable = false` can switch them off.
 */
import type { BuiltinComponent } from '../plugins/plugin-loader.ts';
import { ClientSecretAuthenticator } from '../oauth/client-auth/client-secret-authenticator.ts';
import { PublicClientAuthenticator } from '../oauth/client-auth/public-client-authenticator.ts';
import { AuthorizationCodeGrant } from '../oauth/grants/authorization-code-grant.ts';
import { ClientCredentialsGrant } from '../oauth/grants/client-credentials-grant.ts';
import type { GrantDependencies } from '../oauth/grants/grant-dependencies.ts';
import { PasswordGrant } from '../oauth/grants/password-grant.ts';
import { RefreshTokenGrant } from '../oauth/grants/refresh-token-grant.ts';

export function builtinComponents(grants: () => GrantDependencies): BuiltinComponent[] {
  return [
    {
      decl: { kind: 'ClientAuthenticator', name: 'tessera.core.ClientSecretAuthenticator', description: 'client_secret_basic, client_secret_post' },
      factory: () => new ClientSecretAuthenticator(),
    },
    {
      decl: { kind: 'ClientAuthenticator', name: 'tessera.core.PublicClientAuthenticator', description: 'none (public clients)' },
      factory: () => new PublicClientAuthenticator(),
    },
    {
      decl: { kind: 'GrantHandler', name: 'tessera.core.ClientCredentialsGrantHandler', grantType: 'client_credentials' },
      factory: () => new ClientCredentialsGrant(grants()),
    },
    {
      decl: { kind: 'GrantHandler', name: 'tessera.core.PasswordGrantHandler', grantType: 'password' },
      factory: () => new PasswordGrant(grants()),
    },
    {
      decl: { kind: 'GrantHandler', name: 'tessera.core.AuthorizationCodeGrantHandler', grantType: 'authorization_code' },
      factory: () => new AuthorizationCodeGrant(grants()),
    },
    {
      decl: { kind: 'GrantHandler', name: 'tessera.core.RefreshTokenGrantHandler', grantType: 'refresh_token' },
      factory: () => new RefreshTokenGrant(grants()),
    },
  ];
}
