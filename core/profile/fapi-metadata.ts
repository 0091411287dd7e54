/**
 * What discovery says about a fapi2-security server (FAPI 2.0 §5.3, §5.4), applied by the core after
 * every MetadataContributor: only the profile's auth methods and algorithms are advertised, PAR is
 * required, PKCE is S256 only. The document never offers what the server would then refuse.
 */
import type { ServerContext } from '../api/model.ts';
import { FAPI_CLIENT_AUTH_METHODS, FAPI_SIGNING_ALGS, isFapi } from './fapi2-security.ts';

const AUTH_METHOD_LISTS = ['token_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported'];
const ALG_LISTS = [
  'token_endpoint_auth_signing_alg_values_supported',
  'introspection_endpoint_auth_signing_alg_values_supported',
  'revocation_endpoint_auth_signing_alg_values_supported',
  'id_token_signing_alg_values_supported',
  'dpop_signing_alg_values_supported',
];

export function applyFapiMetadata(metadata: Record<string, unknown>, server: ServerContext): void {
  if (!isFapi(server)) return;
  const narrow = (member: string, allowed: readonly string[]) => {
    if (Array.isArray(metadata[member])) metadata[member] = (metadata[member] as unknown[]).filter((v) => typeof v === 'string' && allowed.includes(v));
  };
  for (const member of AUTH_METHOD_LISTS) narrow(member, FAPI_CLIENT_AUTH_METHODS);
  for (const member of ALG_LISTS) narrow(member, FAPI_SIGNING_ALGS);
  metadata.require_pushed_authorization_requests = true;
  metadata.code_challenge_methods_supported = ['S256'];
  metadata.authorization_response_iss_parameter_supported = true;
  if (Array.isArray(metadata.grant_types_supported)) metadata.grant_types_supported = metadata.grant_types_supported.filter((g) => g !== 'password');
}
