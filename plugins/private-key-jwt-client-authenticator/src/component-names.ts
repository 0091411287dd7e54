/** Qualified names of this bundle's components (plugin.json declares the same) and its methods. */
export const COMPONENTS = {
  authenticator: 'tessera.jwt.PrivateKeyJWTClientAuthenticator',
  metadata: 'tessera.jwt.PrivateKeyJWTClientAuthMetadata',
} as const;

/** RFC 7523 §2.2 with the client's key pair (OIDC Core §9). */
export const PRIVATE_KEY_JWT = 'private_key_jwt';
/** RFC 7523 §2.2 with an HMAC keyed by the client secret (OIDC Core §9). */
export const CLIENT_SECRET_JWT = 'client_secret_jwt';

export const METHODS = [PRIVATE_KEY_JWT, CLIENT_SECRET_JWT] as const;

/** RFC 7523 §2.2: the only client_assertion_type this bundle reads. */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
