/**
 * The response the chain returns hands out exactly what the core issued in this request: the access
 * token, refresh token and ID token it stored or signed, with its type, no longer `expires_in` and no
 * wider `scope`. Members a bundle adds pass; a token the core did not issue never does.
 */
import type { TokenResponse } from '../../api/extension-points.ts';
import type { TokenRequest } from './token-request.ts';

export function responseViolation(request: TokenRequest, response: TokenResponse): string | null {
  const issued = request.issued.find((i) => i.access.token === response.access_token);
  if (!issued) return 'the response carries an access token the core did not issue in this request';
  const { access, refresh } = issued;
  if (response.token_type !== issued.tokenType) return `token_type ${String(response.token_type)} is not the issued ${issued.tokenType}`;
  if (response.refresh_token !== undefined && response.refresh_token !== refresh?.token) return 'the response carries a refresh token the core did not issue with this access token';
  if (response.id_token !== undefined && response.id_token !== issued.idToken) return 'the response carries an ID token the core did not issue with this access token';
  const lifetime = access.record.expiresAt - access.record.issuedAt;
  if (typeof response.expires_in !== 'number' || !(response.expires_in <= lifetime)) return `expires_in ${String(response.expires_in)} is not at most the token's ${lifetime}`;
  if (response.scope !== undefined) {
    const scopes = typeof response.scope === 'string' ? response.scope.split(' ').filter(Boolean) : null;
    if (!scopes || scopes.some((s) => !access.record.scopes.includes(s))) return `scope "${String(response.scope)}" is wider than the token's`;
  }
  return null;
}
