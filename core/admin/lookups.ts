/** Finding what a path names, or answering 404: tenants, their servers, clients and users. */
import type { Client, ServerRef, User } from '../api/model.ts';
import { InvalidRequest, NotFound } from '../errors/oauth-errors.ts';
import type { Store } from '../store/repositories.ts';
import type { AuthorizationServerRecord, TenantRecord } from '../store/repositories.ts';

/** The records the admin routes look up (and 404 on). */
export interface AdminLookupDependencies {
  readonly store: Store;
}

export async function requireTenant(runtime: AdminLookupDependencies, tenantId: string): Promise<TenantRecord> {
  const tenant = await runtime.store.tenants.get(tenantId);
  if (!tenant) throw new NotFound(`no tenant "${tenantId}"`);
  return tenant;
}

export async function requireServer(runtime: AdminLookupDependencies, ref: ServerRef): Promise<AuthorizationServerRecord> {
  await requireTenant(runtime, ref.tenantId);
  const server = await runtime.store.servers.get(ref);
  if (!server) throw new NotFound(`no authorization server "${ref.serverId}" in tenant "${ref.tenantId}"`);
  return server;
}

/**
 * A client by id within a tenant. Client ids are unique per server, so `serverId` selects the server;
 * without it the tenant is searched, and an id registered on several servers must be disambiguated.
 */
export async function requireClient(runtime: AdminLookupDependencies, tenantId: string, clientId: string, serverId?: string): Promise<Client> {
  if (serverId !== undefined) {
    await requireServer(runtime, { tenantId, serverId });
    const client = await runtime.store.clients.get({ tenantId, serverId }, clientId);
    if (!client || client.serverId !== serverId) throw new NotFound(`no client "${clientId}" on authorization server "${tenantId}/${serverId}"`);
    return client;
  }
  await requireTenant(runtime, tenantId);
  const matches = (await runtime.store.clients.listByTenant(tenantId)).filter((c) => c.clientId === clientId);
  if (matches.length === 0) throw new NotFound(`no client "${clientId}" in tenant "${tenantId}"`);
  if (matches.length > 1) {
    throw new InvalidRequest(
      `client "${clientId}" exists on several servers (${matches.map((c) => c.serverId).join(', ')}); add ?authorization_server_id=`,
    );
  }
  return matches[0];
}

/** A user by id (or, failing that, by username) within a tenant; `serverId` as for clients. */
export async function requireUser(runtime: AdminLookupDependencies, tenantId: string, idOrUsername: string, serverId?: string): Promise<User> {
  const servers = serverId !== undefined ? [await requireServer(runtime, { tenantId, serverId })] : (await requireTenant(runtime, tenantId), await runtime.store.servers.list(tenantId));
  const matches: User[] = [];
  for (const server of servers) {
    const ref = { tenantId, serverId: server.serverId };
    const user = (await runtime.store.users.getById(ref, idOrUsername)) ?? (await runtime.store.users.getByUsername(ref, idOrUsername));
    if (user) matches.push(user);
  }
  const where = serverId !== undefined ? `authorization server "${tenantId}/${serverId}"` : `tenant "${tenantId}"`;
  if (matches.length === 0) throw new NotFound(`no user "${idOrUsername}" in ${where}`);
  if (matches.length > 1) {
    throw new InvalidRequest(`user "${idOrUsername}" exists on several servers (${matches.map((u) => u.serverId).join(', ')}); add ?authorization_server_id=`);
  }
  return matches[0];
}
