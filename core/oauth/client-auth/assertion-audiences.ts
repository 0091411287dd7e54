/**
 * The `aud` values a client assertion may carry at this server (RFC 7523 §3: "the authorization
 * server MUST reject any JWT that does not contain its own identity as the intended audience"):
 * the issuer (FAPI 2.0, RFC 7523bis), the token endpoint URL (OIDC Core §9), and the URL of the
 * endpoint actually called — each on the main listener and, when one runs, the mTLS alias.
 * A fapi2-security server accepts its issuer only (FAPI 2.0 §5.3.2.1: the issuer as the sole `aud`,
 * which closes the audience-injection attacks on endpoint URLs).
 */
import type { ClientAuthRequest } from '../../api/extension-points.ts';
import type { ServerContext } from '../../api/model.ts';
import { isFapi } from '../../profile/fapi2-security.ts';

const ENDPOINT_PATHS: Readonly<Record<ClientAuthRequest['endpoint'], string>> = {
  token: 'token',
  introspection: 'introspect',
  revocation: 'revoke',
  pushed_authorization: 'par',
};

export function assertionAudiences(server: ServerContext, endpoint: ClientAuthRequest['endpoint']): string[] {
  if (isFapi(server)) return [server.issuer];
  const bases = [server.endpointBase, ...(server.mtlsEndpointBase ? [server.mtlsEndpointBase] : [])];
  const paths = [...new Set(['token', ENDPOINT_PATHS[endpoint]])];
  return [server.issuer, ...bases.flatMap((base) => paths.map((path) => `${base}/${path}`))];
}
