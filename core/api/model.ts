/**
 * The records the core keeps, as plugins see them. Every record belongs to one authorization server
 * (`tenantId` + `serverId`); nothing of one server is ever accepted by another.
 */

/** Where a server lives: `/{tenantId}/{serverId}/oauth2/...`; `/oauth2/...` is default/default. */
export interface ServerRef {
  readonly tenantId: string;
  readonly serverId: string;
}

/** One authorization server as a request sees it: who it is and where its endpoints live. */
export interface ServerContext extends ServerRef {
  readonly issuer: string;
  /** e.g. `https://host:9443/oauth2` or `https://host:9443/{tid}/{aid}/oauth2` */
  readonly endpointBase: string;
  /** The same endpoints on the mTLS alias listener (RFC 8705 §5), when one runs. */
  readonly mtlsEndpointBase: string | null;
  readonly accessTokenFormat: TokenFormat;
  /** The security profile this server enforces; the core checks it whatever bundles do. */
  readonly profile: ServerProfile;
}

/**
 * `fapi2-security`: FAPI 2.0 Security Profile §5.3 — PAR only, PKCE S256, confidential clients with
 * tls_client_auth, self_signed_tls_client_auth or private_key_jwt, sender-constrained access tokens,
 * codes of at most 60 s, PS256 / ES256 / EdDSA only.
 */
export type ServerProfile = 'none' | 'fapi2-security';

/** A confirmation (RFC 7800 `cnf`) a token is bound to, e.g. `{ "x5t#S256": "..." }` (RFC 8705 §3.1). */
export type Confirmation = Readonly<Record<string, string>>;

export type TokenFormat = 'opaque' | 'jwt';

export interface Client extends ServerRef {
  clientId: string;
  clientName: string | null;
  /**
   * Salted SHA-256 of the secret (core/crypto/secret-hash.ts: fine for the 24+ character random
   * secrets registration requires, unlike human passwords, which get scrypt); null for clients that
   * authenticate otherwise.
   */
  secretHash: string | null;
  /** null = not registered (the WSO2 flow: certificate match when a certificate and no secret come). */
  tokenEndpointAuthMethod: string | null;
  grantTypes: string[];
  responseTypes: string[];
  redirectUris: string[];
  scopes: string[];
  jwks: { keys: Record<string, unknown>[] } | null;
  jwksUri: string | null;
  tlsClientAuthSubjectDn: string | null;
  tlsClientAuthSanDns: string | null;
  tlsClientAuthSanUri: string | null;
  tlsClientAuthSanIp: string | null;
  tlsClientAuthSanEmail: string | null;
  tlsClientCertificateBoundAccessTokens: boolean;
  /** RFC 9449 §5.2: every access token must be DPoP-bound (cnf.jkt); a token request without a proof is refused. */
  dpopBoundAccessTokens: boolean;
  /** Registered certificates, PEM (the WSO2 "application certificate"); several allow rotation. */
  certificates: string[];
  /** Per-client override of `[oauth] access_token_format`. */
  accessTokenFormat: TokenFormat | null;
  /** OIDC Registration: the one JWS algorithm its client assertions may use (absent: any supported). */
  tokenEndpointAuthSigningAlg?: string | null;
  /** RFC 9126 §6: authorization requests only through PAR. */
  requirePushedAuthorizationRequests?: boolean;
  /**
   * client_secret_jwt only: the secret itself, the HS256 key (a hash cannot verify an HMAC). Plain here;
   * stored wrapped when `[server] key_encryption_key_file` is set, null when this node cannot unwrap it.
   */
  jwtSecret?: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface User extends ServerRef {
  id: string;
  username: string;
  passwordHash: string;
  /** The super admin from `[super_admin]`; the only user that may call the admin API by Basic. */
  isAdmin: boolean;
  claims: Record<string, unknown>;
  createdAt: number;
}

/** An access token as stored (opaque) or as decoded (JWT); what introspection and resources see. */
export interface AccessTokenRecord extends ServerRef {
  /** `jti` for JWTs; for opaque tokens the SHA-256 of the token (the token itself is never stored). */
  id: string;
  format: TokenFormat;
  clientId: string;
  subject: string | null;
  username: string | null;
  scopes: string[];
  audience: string[];
  issuedAt: number;
  expiresAt: number;
  confirmation: Confirmation | null;
  /** The grant it came from: an authorization code revokes what it issued when reused. */
  grantId: string | null;
  revoked: boolean;
}

export interface RefreshTokenRecord extends ServerRef {
  id: string;
  familyId: string;
  clientId: string;
  subject: string | null;
  username: string | null;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  authTime: number | null;
  /** Public clients' refresh tokens are bound to their certificate (RFC 8705 §4). */
  confirmation: Confirmation | null;
  grantId: string | null;
  /** Set when rotated: presenting it again is reuse and revokes the family. */
  usedAt: number | null;
  revoked: boolean;
}

export interface AuthorizationCodeRecord extends ServerRef {
  id: string;
  clientId: string;
  redirectUri: string;
  subject: string;
  username: string;
  scopes: string[];
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  /** RFC 9449 §10: the DPoP key thumbprint the code is bound to (`dpop_jkt`, or the proof at PAR); redeemed only with a proof by that key. */
  dpopJkt?: string | null;
  authTime: number;
  issuedAt: number;
  expiresAt: number;
  redeemedAt: number | null;
}
