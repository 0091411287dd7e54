/**
 * `/api/admin/{tid}/servers`: authorization servers, each with its own clients, users, keys, issuer
 * and endpoints at `/{tid}/{id}/oauth2/...`. Creating a server under a new tenant id creates the
 * tenant. Every change tells the server directory, so the routes follow at once on this node.
 */
import type { Context } from 'hono';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { ServerRef } from '../api/model.ts';
import { Conflict, InvalidRequest } from '../errors/oauth-errors.ts';
import type { ServerDirectory } from '../servers/server-directory.ts';
import type { SigningKeys } from '../tokens/signing-keys.ts';
import type { AuditDependencies } from './audit.ts';
import { DEFAULT_SERVER, sameServer } from '../servers/server-context.ts';
import { DuplicateKeyError, type AuthorizationServerRecord } from '../store/repositories.ts';
import type { AdminEnv } from './admin-env.ts';
import { auditChange } from './audit.ts';
import { requireServer, requireTenant, type AdminLookupDependencies } from './lookups.ts';
import { badRequest, commonErrors, conflict, json, jsonBody, serverParams, tenantParams } from './route-parts.ts';
import {
  keyListSchema,
  rotatedKeysSchema,
  serverCreateSchema,
  serverListSchema,
  serverPatchSchema,
  serverSchema,
  serverUpdateSchema,
  type ServerRepresentation,
  type ServerUpdateInput,
} from './server-schema.ts';

const TAG = 'Authorization servers';

const createServer = createRoute({
  method: 'post',
  path: '/api/admin/{tid}/servers',
  tags: [TAG],
  summary: 'Create an authorization server (and the tenant, if new)',
  request: { params: tenantParams, body: jsonBody(serverCreateSchema) },
  responses: { 201: json(serverSchema, 'The new server.'), ...badRequest(), ...commonErrors, ...conflict('A server with that id exists in the tenant.') },
});

const listServers = createRoute({
  method: 'get',
  path: '/api/admin/{tid}/servers',
  tags: [TAG],
  summary: 'List the servers of a tenant',
  request: { params: tenantParams },
  responses: { 200: json(serverListSchema, 'The servers.'), ...commonErrors },
});

const getServer = createRoute({
  method: 'get',
  path: '/api/admin/{tid}/servers/{aid}',
  tags: [TAG],
  summary: 'Read a server',
  request: { params: serverParams },
  responses: { 200: json(serverSchema, 'The server.'), ...commonErrors },
});

const replaceServer = createRoute({
  method: 'put',
  path: '/api/admin/{tid}/servers/{aid}',
  tags: [TAG],
  summary: 'Replace a server\'s settings',
  request: { params: serverParams, body: jsonBody(serverUpdateSchema) },
  responses: { 200: json(serverSchema, 'The updated server.'), ...badRequest(), ...commonErrors },
});

const patchServer = createRoute({
  method: 'patch',
  path: '/api/admin/{tid}/servers/{aid}',
  tags: [TAG],
  summary: 'Change some of a server\'s settings',
  request: { params: serverParams, body: jsonBody(serverPatchSchema) },
  responses: { 200: json(serverSchema, 'The updated server.'), ...badRequest(), ...commonErrors },
});

const deleteServer = createRoute({
  method: 'delete',
  path: '/api/admin/{tid}/servers/{aid}',
  tags: [TAG],
  summary: 'Delete a server with its clients, users, tokens and keys',
  request: { params: serverParams },
  responses: { 204: { description: 'Deleted.' }, ...commonErrors, ...conflict('The default server of the default tenant cannot be deleted.') },
});

const rotateKeys = createRoute({
  method: 'post',
  path: '/api/admin/{tid}/servers/{aid}/keys/rotate',
  tags: [TAG],
  summary: 'Rotate the server\'s signing keys',
  description: 'New keys sign from now on; the previous ones stay in the JWKS so tokens they signed still verify.',
  request: { params: serverParams },
  responses: { 200: json(rotatedKeysSchema, 'The new key ids.'), ...commonErrors },
});

const listKeys = createRoute({
  method: 'get',
  path: '/api/admin/{tid}/servers/{aid}/keys',
  tags: [TAG],
  summary: 'List the server\'s signing keys and their state',
  request: { params: serverParams },
  responses: { 200: json(keyListSchema, 'The keys, newest first (no key material).'), ...commonErrors },
});

/** The lookups, the audit events, the directory a changed server is forgotten in, the signing keys. */
export interface ServerRouteDependencies extends AdminLookupDependencies, AuditDependencies {
  readonly servers: ServerDirectory;
  readonly keys: SigningKeys;
}

export function serverRoutes(api: OpenAPIHono<AdminEnv>, runtime: ServerRouteDependencies): void {
  const represent = async (record: AuthorizationServerRecord): Promise<ServerRepresentation> => {
    const context = await runtime.servers.resolve(record);
    const root = context ? context.endpointBase.replace(/\/oauth2$/, '') : '';
    return {
      id: record.serverId,
      tenant_id: record.tenantId,
      name: record.name,
      issuer: record.issuer,
      access_token_format: record.accessTokenFormat,
      profile: record.profile,
      created_at: record.createdAt,
      effective_issuer: context?.issuer ?? record.issuer ?? root,
      discovery_url: `${root}/.well-known/openid-configuration`,
    };
  };

  api.openapi(createServer, async (c) => {
    const { tid } = c.req.valid('param');
    const input = c.req.valid('json');
    const ref: ServerRef = { tenantId: tid, serverId: input.id };
    let record: AuthorizationServerRecord;
    try {
      record = await runtime.store.servers.create({ ...ref, name: input.name ?? input.id, issuer: input.issuer ?? null, accessTokenFormat: input.access_token_format ?? null, profile: input.profile ?? 'none' });
    } catch (err) {
      if (err instanceof DuplicateKeyError) throw new Conflict(`authorization server "${input.id}" already exists in tenant "${tid}"`);
      throw err;
    }
    // A lookup of this id before it existed may be cached as "not found".
    runtime.servers.forget(ref);
    auditChange(runtime, c, { resource: 'server', action: 'created', id: ref.serverId, server: ref });
    return c.json(await represent(record), 201, { Location: `/api/admin/${tid}/servers/${ref.serverId}` });
  });

  api.openapi(listServers, async (c) => {
    const { tid } = c.req.valid('param');
    await requireTenant(runtime, tid);
    const records = await runtime.store.servers.list(tid);
    return c.json({ servers: await Promise.all(records.map(represent)) }, 200);
  });

  api.openapi(getServer, async (c) => {
    const { tid, aid } = c.req.valid('param');
    return c.json(await represent(await requireServer(runtime, { tenantId: tid, serverId: aid })), 200);
  });

  const update = async (ref: ServerRef, input: ServerUpdateInput, full: boolean, c: Context<AdminEnv>) => {
    await requireServer(runtime, ref);
    if (input.id !== undefined && input.id !== ref.serverId) throw new InvalidRequest(`id: cannot change (the path names "${ref.serverId}")`);
    const patch: Parameters<typeof runtime.store.servers.update>[1] = full
      ? { name: input.name ?? ref.serverId, issuer: input.issuer ?? null, accessTokenFormat: input.access_token_format ?? null, profile: input.profile ?? 'none' }
      : {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.issuer !== undefined ? { issuer: input.issuer } : {}),
          ...(input.access_token_format !== undefined ? { accessTokenFormat: input.access_token_format } : {}),
          ...(input.profile !== undefined ? { profile: input.profile ?? 'none' } : {}),
        };
    const record = await runtime.store.servers.update(ref, patch);
    runtime.servers.forget(ref);
    if (!record) throw new Conflict(`authorization server "${ref.tenantId}/${ref.serverId}" was deleted meanwhile`);
    auditChange(runtime, c, { resource: 'server', action: 'updated', id: ref.serverId, server: ref, extra: { fields: Object.keys(patch) } });
    return represent(record);
  };

  api.openapi(replaceServer, async (c) => {
    const { tid, aid } = c.req.valid('param');
    return c.json(await update({ tenantId: tid, serverId: aid }, c.req.valid('json'), true, c), 200);
  });

  api.openapi(patchServer, async (c) => {
    const { tid, aid } = c.req.valid('param');
    return c.json(await update({ tenantId: tid, serverId: aid }, c.req.valid('json'), false, c), 200);
  });

  api.openapi(deleteServer, async (c) => {
    const { tid, aid } = c.req.valid('param');
    const ref: ServerRef = { tenantId: tid, serverId: aid };
    if (sameServer(ref, DEFAULT_SERVER)) throw new Conflict('the default server of the default tenant cannot be deleted: the super admin and /oauth2/... live there');
    await requireServer(runtime, ref);
    await runtime.store.servers.delete(ref);
    runtime.servers.forget(ref);
    auditChange(runtime, c, { resource: 'server', action: 'deleted', id: aid, server: ref });
    return c.body(null, 204);
  });

  api.openapi(listKeys, async (c) => {
    const { tid, aid } = c.req.valid('param');
    const ref: ServerRef = { tenantId: tid, serverId: aid };
    await requireServer(runtime, ref);
    const keys = (await runtime.keys.inventory(ref)).sort((a, b) => b.createdAt - a.createdAt || a.kid.localeCompare(b.kid));
    return c.json(
      { keys: keys.map((k) => ({ kid: k.kid, alg: k.alg, created_at: k.createdAt, rotated_at: k.rotatedAt, current: k.current, published: k.published })) },
      200,
    );
  });

  api.openapi(rotateKeys, async (c) => {
    const { tid, aid } = c.req.valid('param');
    const ref: ServerRef = { tenantId: tid, serverId: aid };
    await requireServer(runtime, ref);
    const kids = await runtime.keys.rotate(ref);
    auditChange(runtime, c, { resource: 'signing_keys', action: 'rotated', id: aid, server: ref, extra: { kids } });
    return c.json({ kids }, 200);
  });
}
