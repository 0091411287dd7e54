import type { ServerRef } from '../api/model.ts';
import type { CoreRuntime } from '../runtime/core-runtime.ts';
import { DEFAULT_SERVER } from '../runtime/server-context.ts';
import type { BasicCredentials } from './client-auth/presented-credentials.ts';

/**
 * Is this Basic pair an administrator's? The super admin lives on the default server and
 * administers every tenant; a tenant's own admin users administer their tenant's servers.
 */
export async function authenticateAdmin(runtime: CoreRuntime, server: ServerRef, basic: BasicCredentials): Promise<boolean> {
  for (const ref of server.tenantId === DEFAULT_SERVER.tenantId && server.serverId === DEFAULT_SERVER.serverId ? [server] : [server, DEFAULT_SERVER]) {
    const user = await runtime.store.users.getByUsername(ref, basic.username);
    if (!user?.isAdmin) continue;
    const outcome = await runtime.users.login(ref, basic.username, basic.password);
    return outcome.ok;
  }
  return false;
}
