import type { Client } from '../../api/model.ts';
import { InvalidScope } from '../../errors/oauth-errors.ts';

/**
 * OpenID Connect scopes: they release user claims (and `openid` an ID token), so a client without
 * registered scopes gets them only when it asks (OIDC Core §3.1.2.1, §5.4), never as a silent default.
 */
const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access']);

/** Grants admin API rights; only a registration can give it (never `[oauth] default_scopes`). */
export const ADMIN_SCOPE = 'admin';

/**
 * RFC 6749 §3.3. Only registered scopes are ever granted; a scope asked that the client may not have
 * is `invalid_scope` (§5.2), never silently granted. A client with registered scopes gets a subset
 * of them (none asked: all of them). A client with none registered may have `[oauth] default_scopes`
 * and nothing else (`admin` never); none asked: those defaults that are not OIDC scopes.
 */
export function resolveScopes(requested: string | undefined, client: Client, defaults: string[]): string[] {
  const asked = parseScope(requested);
  const registered = client.scopes.length > 0;
  const allowed = registered ? client.scopes : defaults.filter((s) => s !== ADMIN_SCOPE);
  if (asked.length === 0) return registered ? [...allowed] : allowed.filter((s) => !OIDC_SCOPES.has(s));
  const refused = asked.filter((s) => !allowed.includes(s));
  if (refused.length > 0) throw new InvalidScope(`scope not allowed for this client: ${refused.join(' ')}`);
  return asked;
}

export function parseScope(scope: string | undefined): string[] {
  if (!scope) return [];
  const scopes = scope.split(' ').filter(Boolean);
  // RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E
  if (scopes.some((s) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) throw new InvalidScope('malformed scope');
  return [...new Set(scopes)];
}
