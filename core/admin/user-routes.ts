/** `/api/admin/{tid}/users`: the users who log in at a server's authorize endpoint. Passwords are never returned. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { ServerRef, User } from '../api/model.ts';
import { Conflict } from '../errors/oauth-errors.ts';
import type { UserService } from '../users/user-service.ts';
import type { AuditDependencies } from './audit.ts';
import { DEFAULT_SERVER } from '../servers/server-context.ts';
import { DuplicateKeyError } from '../store/repositories.ts';
import type { AdminEnv } from './admin-env.ts';
import { auditChange } from './audit.ts';
import { requireServer, requireTenant, requireUser, type AdminLookupDependencies } from './lookups.ts';
import { badRequest, commonErrors, conflict, json, jsonBody, serverQuery, tenantParams, userParams } from './route-parts.ts';
import { hashPassword } from '../users/password-hash.ts';
import { userCreateSchema, userListSchema, userPatchSchema, userSchema } from './user-schema.ts';

const TAG = 'Users';

const createUser = createRoute({
  method: 'post',
  path: '/api/admin/{tid}/users',
  tags: [TAG],
  summary: 'Create a user',
  request: { params: tenantParams, body: jsonBody(userCreateSchema) },
  responses: { 201: json(userSchema, 'The user (without the password).'), ...badRequest(), ...commonErrors, ...conflict('The username is taken on that server.') },
});

const listUsers = createRoute({
  method: 'get',
  path: '/api/admin/{tid}/users',
  tags: [TAG],
  summary: 'List users',
  request: { params: tenantParams, query: serverQuery },
  responses: { 200: json(userListSchema, 'The users of the tenant, or of one server.'), ...badRequest(), ...commonErrors },
});

const getUser = createRoute({
  method: 'get',
  path: '/api/admin/{tid}/users/{user_id}',
  tags: [TAG],
  summary: 'Read a user',
  request: { params: userParams, query: serverQuery },
  responses: { 200: json(userSchema, 'The user.'), ...badRequest(), ...commonErrors },
});

const patchUser = createRoute({
  method: 'patch',
  path: '/api/admin/{tid}/users/{user_id}',
  tags: [TAG],
  summary: 'Set a user\'s password',
  request: { params: userParams, query: serverQuery, body: jsonBody(userPatchSchema) },
  responses: { 200: json(userSchema, 'The user.'), ...badRequest(), ...commonErrors, ...conflict('The super admin\'s password is set in deployment.toml.') },
});

const deleteUser = createRoute({
  method: 'delete',
  path: '/api/admin/{tid}/users/{user_id}',
  tags: [TAG],
  summary: 'Delete a user',
  request: { params: userParams, query: serverQuery },
  responses: { 204: { description: 'Deleted.' }, ...badRequest(), ...commonErrors, ...conflict('The super admin cannot be deleted.') },
});

function userRepresentation(user: User) {
  return {
    id: user.id,
    username: user.username,
    authorization_server_id: user.serverId,
    claims: user.claims,
    is_admin: user.isAdmin,
    created_at: user.createdAt,
  };
}

/** The lookups, the audit events, and the user service (which hashes a new user's password). */
export interface UserRouteDependencies extends AdminLookupDependencies, AuditDependencies {
  readonly users: UserService;
}

export function userRoutes(api: OpenAPIHono<AdminEnv>, runtime: UserRouteDependencies): void {
  api.openapi(createUser, async (c) => {
    const { tid } = c.req.valid('param');
    const input = c.req.valid('json');
    const ref: ServerRef = { tenantId: tid, serverId: input.authorization_server_id ?? DEFAULT_SERVER.serverId };
    await requireServer(runtime, ref);
    // Checked first so the common case answers 409 without paying for a password hash.
    if (await runtime.store.users.getByUsername(ref, input.username)) throw new Conflict(`username "${input.username}" is taken on ${tid}/${ref.serverId}`);
    let user: User;
    try {
      user = await runtime.users.create(ref, { username: input.username, password: input.password, claims: input.claims ?? {} });
    } catch (err) {
      if (err instanceof DuplicateKeyError) throw new Conflict(`username "${input.username}" is taken on ${tid}/${ref.serverId}`);
      throw err;
    }
    auditChange(runtime, c, { resource: 'user', action: 'created', id: user.id, server: ref, extra: { username: user.username } });
    return c.json(userRepresentation(user), 201, { Location: `/api/admin/${tid}/users/${user.id}?authorization_server_id=${ref.serverId}` });
  });

  api.openapi(listUsers, async (c) => {
    const { tid } = c.req.valid('param');
    const { authorization_server_id: serverId } = c.req.valid('query');
    let users: User[];
    if (serverId !== undefined) {
      await requireServer(runtime, { tenantId: tid, serverId });
      users = await runtime.store.users.list({ tenantId: tid, serverId });
    } else {
      await requireTenant(runtime, tid);
      const servers = await runtime.store.servers.list(tid);
      users = (await Promise.all(servers.map((s) => runtime.store.users.list(s)))).flat();
    }
    return c.json({ users: users.map(userRepresentation) }, 200);
  });

  api.openapi(getUser, async (c) => {
    const { tid, user_id: userId } = c.req.valid('param');
    return c.json(userRepresentation(await requireUser(runtime, tid, userId, c.req.valid('query').authorization_server_id)), 200);
  });

  api.openapi(patchUser, async (c) => {
    const { tid, user_id: userId } = c.req.valid('param');
    const user = await requireUser(runtime, tid, userId, c.req.valid('query').authorization_server_id);
    if (user.isAdmin) throw new Conflict('the super admin\'s password is [super_admin] password in deployment.toml (applied at start)');
    await runtime.store.users.updatePassword(user, user.id, await hashPassword(c.req.valid('json').password));
    auditChange(runtime, c, { resource: 'user', action: 'updated', id: user.id, server: user, extra: { username: user.username, fields: ['password'] } });
    return c.json(userRepresentation(user), 200);
  });

  api.openapi(deleteUser, async (c) => {
    const { tid, user_id: userId } = c.req.valid('param');
    const user = await requireUser(runtime, tid, userId, c.req.valid('query').authorization_server_id);
    if (user.isAdmin) throw new Conflict('the super admin cannot be deleted through the API; see [super_admin] in deployment.toml');
    await runtime.store.users.delete(user, user.id);
    auditChange(runtime, c, { resource: 'user', action: 'deleted', id: user.id, server: user, extra: { username: user.username } });
    return c.body(null, 204);
  });
}
