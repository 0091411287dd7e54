/** Qualified names of this bundle's components (plugin.json declares the same) and its methods. */
export const COMPONENTS = {
  authenticator: 'tessera.mtls.MutualTLSClientAuthenticator',
  metadata: 'tessera.mtls.MutualTLSClientAuthMetadata',
} as const;

/** RFC 8705 §2.1.1 */
export const TLS_CLIENT_AUTH = 'tls_client_auth';
/** RFC 8705 §2.2.1 */
export const SELF_SIGNED_TLS_CLIENT_AUTH = 'self_signed_tls_client_auth';

export const METHODS = [TLS_CLIENT_AUTH, SELF_SIGNED_TLS_CLIENT_AUTH] as const;
