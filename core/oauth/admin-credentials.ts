import type { ServerRef } from '../api/model.ts';
import type { Store } from '../store/repositories.ts';
import type { CredentialCache } from '../users/credential-cache.ts';
import type { UserService } from '../users/user-service.ts';
import { DEFAULT_SERVER, sameServer } from '../servers/server-context.ts';
import type { BasicCredentials } from './client-auth/presented-credentials.ts';

/**
 * Is this Basic pair an administrator's? The super admin lives on the default server and
 * administers every tenant; a tenant's own admin users administer their tenant's servers.
 * Successes are remembered briefly (runtime.adminCredentials), per server, so repeated admin calls
 * skip scrypt and never trip the login lockout. `source` is the caller's address
 * (RequestInfo.clientAddress), which the lockout counts failures by.
 */
/** What the admin check uses: the user records, the sign-in (with its lockout) and the cache of recent successes. */
export interface AdminCredentialDependencies {
  readonly store: Store;
  readonly users: UserService;
  readonly adminCredentials: CredentialCache;
}

export async function authenticateAdmin(runtime: AdminCredentialDependencies, server: ServerRef, basic: BasicCredentials, source: string): Promise<boolean> {
  const candidates = sameServer(server, DEFAULT_SERVER) ? [server] : [server, DEFAULT_SERVER];
  const cacheKey = (ref: ServerRef) => `${ref.tenantId}/${ref.serverId}/${basic.username}`;
  if (candidates.some((ref) => runtime.adminCredentials.has(cacheKey(ref), basic.password))) return true;
  for (const ref of candidates) {
    const user = await runtime.store.users.getByUsername(ref, basic.username);
    if (!user?.isAdmin) continue;
    return runtime.adminCredentials.verify(cacheKey(ref), basic.password, async () => (await runtime.users.login(ref, basic.username, basic.password, source)).ok);
  }
  return false;
}
