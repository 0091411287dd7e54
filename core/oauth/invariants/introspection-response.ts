/**
 * RFC 7662 responses after the IntrospectionInterceptors: an interceptor may add members and narrow
 * (fewer scopes, an earlier `exp`, or `{active: false}`), never loosen what the core said about an active token. `active`,
 * `client_id`, `sub`, `username`, `iat`, `nbf`, `iss`, `aud` and `token_type` stay as the core wrote
 * them, and every `cnf` member present before the interceptors ran stays with its value — a resource
 * server that no longer saw the binding would accept the token without its proof.
 */
const FIXED = ['active', 'client_id', 'sub', 'username', 'iat', 'nbf', 'iss', 'aud', 'token_type'] as const;

export function introspectionViolation(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string | null {
  if (before.active !== true) return null;
  // The narrowest answer of all: an interceptor may always call a token inactive (e.g. its certificate
  // was revoked since), as RFC 7662 §2.2 shapes it — `active: false` and nothing else.
  if (after.active === false) return Object.keys(after).length === 1 ? null : 'an inactive answer carries other members';
  for (const member of FIXED) {
    if (JSON.stringify(after[member]) !== JSON.stringify(before[member])) return `${member} changed from ${JSON.stringify(before[member])} to ${JSON.stringify(after[member])}`;
  }
  if (typeof before.scope === 'string') {
    const granted = new Set(before.scope.split(' '));
    const scopes = typeof after.scope === 'string' ? after.scope.split(' ').filter(Boolean) : null;
    if (!scopes || scopes.some((s) => !granted.has(s))) return `scope widened to ${JSON.stringify(after.scope)}`;
  }
  if (typeof before.exp === 'number' && !(typeof after.exp === 'number' && after.exp <= before.exp)) return `exp moved from ${before.exp} to ${JSON.stringify(after.exp)}`;
  const cnfBefore = isObject(before.cnf) ? before.cnf : {};
  const cnfAfter = isObject(after.cnf) ? after.cnf : {};
  for (const [member, value] of Object.entries(cnfBefore)) {
    if (JSON.stringify(cnfAfter[member]) !== JSON.stringify(value)) return `cnf.${member} removed or changed`;
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
