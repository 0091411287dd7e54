/**
 * Discovery (RFC 8414, OpenID Connect Discovery 1.0), built from what is enabled: grant types from
 * the handler chain, auth methods from the enabled authenticators, then every MetadataContributor.
 */
import type { ServerContext } from '../api/model.ts';
import type { Logger } from '../api/plugin-context.ts';
import type { TesseraConfig } from '../config/schema.ts';
import type { ExtensionSet } from '../plugins/extension-set.ts';
import { hookFailure } from '../plugins/hook-failure.ts';
import type { ClientAuthentication } from './client-auth/client-authentication.ts';
import { applyFapiMetadata } from '../profile/fapi-metadata.ts';
import { idTokenSigningAlg } from '../profile/signing-alg.ts';

/** What the document is built from: the settings, the enabled components, the log a failing contributor goes to. */
export interface DiscoveryDependencies {
  readonly config: TesseraConfig;
  readonly clientAuth: ClientAuthentication;
  readonly extensions: ExtensionSet;
  readonly logger: Logger;
}

export function discoveryDocument(runtime: DiscoveryDependencies, server: ServerContext): Record<string, unknown> {
  const base = server.endpointBase;
  const { oauth } = runtime.config;
  const authMethods = runtime.clientAuth.supportedMethods();
  // The authorization endpoint only issues codes: with that grant off it is not offered.
  const codeFlow = runtime.extensions.grantChains.has('authorization_code');
  const metadata: Record<string, unknown> = {
    issuer: server.issuer,
    ...(codeFlow ? { authorization_endpoint: `${base}/authorize`, pushed_authorization_request_endpoint: `${base}/par` } : {}),
    token_endpoint: `${base}/token`,
    introspection_endpoint: `${base}/introspect`,
    revocation_endpoint: `${base}/revoke`,
    userinfo_endpoint: `${base}/userinfo`,
    jwks_uri: `${base}/jwks`,
    response_types_supported: codeFlow ? ['code'] : [],
    response_modes_supported: ['query'],
    grant_types_supported: [...runtime.extensions.grantChains.keys()],
    token_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_methods_supported: authMethods.filter((m) => m !== 'none'),
    revocation_endpoint_auth_methods_supported: authMethods,
    code_challenge_methods_supported: oauth.allow_plain_pkce ? ['S256', 'plain'] : ['S256'],
    scopes_supported: [...new Set(['openid', ...oauth.default_scopes])],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [idTokenSigningAlg(server, oauth.id_token_signing_alg)],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'azp', 'at_hash', 'c_hash', 'preferred_username'],
    authorization_response_iss_parameter_supported: true,
    require_pushed_authorization_requests: oauth.require_pushed_authorization_requests,
  };
  if (server.mtlsEndpointBase) {
    // RFC 8705 §5: clients using mTLS call these; browsers stay on the main port without a certificate prompt.
    const alias = server.mtlsEndpointBase;
    metadata.mtls_endpoint_aliases = {
      token_endpoint: `${alias}/token`,
      introspection_endpoint: `${alias}/introspect`,
      revocation_endpoint: `${alias}/revoke`,
      userinfo_endpoint: `${alias}/userinfo`,
      ...(codeFlow ? { pushed_authorization_request_endpoint: `${alias}/par` } : {}),
    };
  }
  for (const { name, instance } of runtime.extensions.metadataContributors) {
    try {
      instance.contribute(metadata, { tenantId: server.tenantId, serverId: server.serverId, issuer: server.issuer, endpointBase: base, mtlsEndpointBase: server.mtlsEndpointBase });
    } catch (err) {
      // Without a contributor's members the document would advertise less (or other) than is served.
      throw hookFailure(runtime.logger, 'MetadataContributor', name, err, 'the discovery document could not be built');
    }
  }
  // The server's profile has the last word over what contributors added.
  applyFapiMetadata(metadata, server);
  return metadata;
}
