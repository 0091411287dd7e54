/**
 * A Bearer token of the default server carrying one scope: what the core's own protected surfaces
 * (the admin API, /metrics) accept besides the super admin. A 401 keeps its RFC 6750 error but takes
 * the surface's challenge (Basic or Bearer), so the client learns both ways in.
 */
import type { RequestInfo } from '../api/extension-points.ts';
import type { AccessTokenRecord } from '../api/model.ts';
import { InsufficientScope, OAuthError } from '../errors/oauth-errors.ts';
import { DEFAULT_SERVER } from '../servers/server-context.ts';
import type { ServerDirectory } from '../servers/server-directory.ts';
import { bearerTokenOf, checkBearerToken, type BearerCheckDependencies } from './bearer-token.ts';

export type Unauthorized = (error: string, description: string, reason?: string) => OAuthError;

/** The bearer check, and the directory the default server is looked up in. */
export interface ScopedBearerDependencies extends BearerCheckDependencies {
  readonly servers: ServerDirectory;
}

export async function scopedBearerToken(runtime: ScopedBearerDependencies, header: string, request: RequestInfo, scope: string, unauthorized: Unauthorized): Promise<AccessTokenRecord> {
  const server = await runtime.servers.resolve(DEFAULT_SERVER);
  if (!server) throw unauthorized('invalid_token', 'the default server is unavailable');
  let token;
  try {
    token = await checkBearerToken(runtime, server, bearerTokenOf(header), request);
  } catch (err) {
    if (OAuthError.is(err) && err.status === 401) throw unauthorized(err.error, err.description, err.reason);
    throw err;
  }
  if (!token.scopes.includes(scope)) throw new InsufficientScope(scope);
  return token;
}
