/**
 * The FAPI 2.0 Security Profile (§5.3) as rules the core applies to a server whose `profile` is
 * `fapi2-security`: at registration (admin API), at /authorize and PAR, and at the token endpoint.
 * Bundles cannot loosen any of them: each is checked here, after and whatever the bundles did.
 */
import type { Client, ServerProfile, ServerRef } from '../api/model.ts';

export const FAPI2_SECURITY: ServerProfile = 'fapi2-security';

/** §5.3.2.1 (5): confidential clients authenticated by mTLS or private_key_jwt only. */
export const FAPI_CLIENT_AUTH_METHODS: readonly string[] = ['tls_client_auth', 'self_signed_tls_client_auth', 'private_key_jwt'];

/** §5.4.1: PS256, ES256 or EdDSA (Ed25519), for signing and for accepted assertions. */
export const FAPI_SIGNING_ALGS: readonly string[] = ['PS256', 'ES256', 'EdDSA'];

/** §5.3.2.1 (14): an authorization code lives at most 60 seconds. */
export const FAPI_MAX_CODE_LIFETIME_SECONDS = 60;

export function isFapi(server: { readonly profile?: ServerProfile }): boolean {
  return server.profile === FAPI2_SECURITY;
}

/**
 * Why a client may not be registered on a FAPI 2.0 server, or null. One message per breach, named
 * by the field, as RFC 7591 `invalid_client_metadata` descriptions.
 */
export function fapiRegistrationProblems(client: Client): string[] {
  const problems: string[] = [];
  const method = client.tokenEndpointAuthMethod;
  if (method === null || !FAPI_CLIENT_AUTH_METHODS.includes(method)) {
    problems.push(
      `token_endpoint_auth_method: a fapi2-security server accepts only confidential clients using ${FAPI_CLIENT_AUTH_METHODS.join(', ')} ` +
        `(FAPI 2.0 Security Profile §5.3.2.1); got ${method ?? 'none registered'}`,
    );
  }
  const alg = client.tokenEndpointAuthSigningAlg ?? null;
  if (alg !== null && !FAPI_SIGNING_ALGS.includes(alg)) {
    problems.push(`token_endpoint_auth_signing_alg: a fapi2-security server accepts only ${FAPI_SIGNING_ALGS.join(', ')} (FAPI 2.0 Security Profile §5.4.1); got ${alg}`);
  }
  if (client.grantTypes.includes('password')) {
    problems.push('grant_types: the password grant is not allowed on a fapi2-security server (FAPI 2.0 Security Profile §5.3.2.1)');
  }
  const plain = client.redirectUris.find((uri) => !uri.startsWith('https:'));
  if (plain) problems.push(`redirect_uris: a fapi2-security server requires https redirect URIs (FAPI 2.0 Security Profile §5.3.2.1); got ${plain}`);
  return problems;
}

/** Where a FAPI rule was applied, for the operator's log. */
export function fapiLogContext(server: ServerRef, rule: string) {
  return { tenantId: server.tenantId, serverId: server.serverId, profile: FAPI2_SECURITY, rule };
}
