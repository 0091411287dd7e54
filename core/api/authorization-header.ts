/**
 * The one reader of an `Authorization` header carrying an access token: RFC 6750 §2.1 `Bearer` and
 * RFC 9449 §7.1 `DPoP`, each followed by a token68. The core's protected resources and the
 * mtls-token-binding bundle's resource-server middleware both read the header with it.
 */

/** What `parseAuthorizationHeader` found: the scheme as RFC 6750 / 9449 spell it, and the token. */
export interface AuthorizationCredentials {
  readonly scheme: 'Bearer' | 'DPoP';
  readonly token: string;
}

// The scheme is case-insensitive (RFC 9110 §11.1); token68 allows trailing `=` padding only.
const AUTHORIZATION = /^(Bearer|DPoP)[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i;

/** The scheme and token of a `Bearer` or `DPoP` header; null for anything else (another scheme, or malformed). */
export function parseAuthorizationHeader(header: string | null | undefined): AuthorizationCredentials | null {
  const match = AUTHORIZATION.exec(header ?? '');
  if (!match) return null;
  return { scheme: match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] };
}
