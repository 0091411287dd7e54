/**
 * Who may call the admin API: the super admin with Basic credentials (checked on the default server),
 * or a client registered with the `admin` scope on the default server, holding an active access token
 * with that scope issued to it through client_credentials. Nothing else: in particular a client certificate never grants admin
 * rights, whatever `[admin_console.authenticator.mutual_ssl_authenticator] enable` says.
 */
import type { MiddlewareHandler } from 'hono';
import { AccessDenied, OAuthError } from '../errors/oauth-errors.ts';
import { authenticateAdmin, type AdminCredentialDependencies } from '../oauth/admin-credentials.ts';
import { scopedBearerToken, type ScopedBearerDependencies } from '../oauth/scoped-bearer-token.ts';
import { parseBasicAuthorization } from '../oauth/client-auth/presented-credentials.ts';
import type { AuditDependencies } from './audit.ts';
import { DEFAULT_SERVER } from '../servers/server-context.ts';
import type { AdminEnv, AdminPrincipal } from './admin-env.ts';

export const ADMIN_SCOPE = 'admin';
export const ADMIN_REALM = 'tessera-admin';
export const ADMIN_CHALLENGE = `Basic realm="${ADMIN_REALM}", Bearer`;

class AdminUnauthorized extends OAuthError {
  constructor(error: string, description: string, reason?: string) {
    super(401, error, description, { reason, challenge: ADMIN_CHALLENGE });
  }
}

/** Both ways in (an admin's Basic pair, a Bearer token with the admin scope) and the audit events for refusals. */
export interface AdminAuthDependencies extends AdminCredentialDependencies, ScopedBearerDependencies, AuditDependencies {}

export function adminAuthentication(runtime: AdminAuthDependencies): MiddlewareHandler<AdminEnv> {
  async function basic(header: string, c: Parameters<MiddlewareHandler<AdminEnv>>[0]): Promise<AdminPrincipal> {
    let credentials;
    try {
      credentials = parseBasicAuthorization(header);
    } catch {
      credentials = null;
    }
    if (!credentials) throw new AdminUnauthorized('unauthorized', 'malformed Basic credentials');
    const { username } = credentials;
    const source = c.get('requestInfo').clientAddress;
    if (!(await authenticateAdmin(runtime, DEFAULT_SERVER, credentials, source))) {
      // On the audit trail like any failed sign-in: guessing at the admin API is what a SIEM watches for.
      runtime.events.emit({
        type: 'user.login.failed',
        ...DEFAULT_SERVER,
        username,
        reason: 'invalid admin credentials',
        remoteAddress: source,
        details: { via: 'admin_api' },
      });
      throw new AdminUnauthorized('unauthorized', 'invalid admin credentials', `Basic admin login failed for "${username}"`);
    }
    return { kind: 'super_admin', username };
  }

  async function bearer(header: string, c: Parameters<MiddlewareHandler<AdminEnv>>[0]): Promise<AdminPrincipal> {
    // Same errors, with the admin API's challenge (Basic or Bearer).
    const token = await scopedBearerToken(runtime, header, c.get('requestInfo'), ADMIN_SCOPE, (...a) => new AdminUnauthorized(...a));
    // Admin tokens are a client's own (client_credentials), never a user's delegated one.
    if (token.username !== null) throw new AccessDenied('admin tokens are issued to clients through the client_credentials grant, not on behalf of users');
    // A deleted client's tokens stop granting admin rights at once.
    const client = await runtime.store.clients.get(DEFAULT_SERVER, token.clientId);
    if (!client) throw new AdminUnauthorized('invalid_token', 'the access token is invalid, expired or revoked', `client ${token.clientId} no longer exists`);
    // The token endpoint grants admin only to a client registered with it; checked again here, so
    // removing it from the client's scopes withdraws admin rights at once.
    if (!client.scopes.includes(ADMIN_SCOPE)) {
      throw new AccessDenied(`the client is not registered with the "${ADMIN_SCOPE}" scope`);
    }
    return { kind: 'client', clientId: token.clientId };
  }

  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw new AdminUnauthorized('unauthorized', 'admin credentials are required: Basic (super admin) or a Bearer token with the admin scope');
    let principal: AdminPrincipal;
    if (/^Basic(\s|$)/i.test(header)) principal = await basic(header, c);
    else if (/^Bearer(\s|$)/i.test(header)) principal = await bearer(header, c);
    else throw new AdminUnauthorized('unauthorized', 'unsupported authorization scheme: use Basic or Bearer');
    c.set('admin', principal);
    await next();
  };
}
