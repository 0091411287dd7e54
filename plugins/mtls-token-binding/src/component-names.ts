/** The qualified names plugin.json declares; `activate` provides a factory for each. */
export const COMPONENTS = {
  authorizationCode: 'tessera.mtls.binding.AuthorizationCodeGrantHandler',
  clientCredentials: 'tessera.mtls.binding.ClientCredentialsGrantHandler',
  refreshToken: 'tessera.mtls.binding.RefreshTokenGrantHandler',
  password: 'tessera.mtls.binding.PasswordGrantHandler',
  resourceValidator: 'tessera.mtls.binding.CertificateBoundTokenValidator',
  metadata: 'tessera.mtls.binding.CertificateBoundTokensMetadata',
} as const;

/** RFC 8705 §3.1: the `cnf` member carrying base64url(SHA-256(DER)) of the client certificate. */
export const X5T_S256 = 'x5t#S256';
