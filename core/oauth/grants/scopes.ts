import type { Client } from '../../api/model.ts';
import { InvalidScope } from '../../errors/oauth-errors.ts';

/**
 * RFC 6749 §3.3. A client with registered scopes gets a subset of them (none asked: all of them); a
 * client with none registered gets what it asks, or the server's default scopes (WSO2: "default").
 */
export function resolveScopes(requested: string | undefined, client: Client, defaults: string[]): string[] {
  const asked = parseScope(requested);
  if (asked.length === 0) return client.scopes.length > 0 ? [...client.scopes] : [...defaults];
  if (client.scopes.length > 0) {
    const refused = asked.filter((s) => !client.scopes.includes(s));
    if (refused.length > 0) throw new InvalidScope(`scope not allowed for this client: ${refused.join(' ')}`);
  }
  return asked;
}

export function parseScope(scope: string | undefined): string[] {
  if (!scope) return [];
  const scopes = scope.split(' ').filter(Boolean);
  // RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E
  if (scopes.some((s) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) throw new InvalidScope('malformed scope');
  return [...new Set(scopes)];
}
