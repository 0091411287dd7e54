/** `/api/admin/{tid}/clients`: register, list, read, replace, patch and delete OAuth clients. */
import type { Context } from 'hono';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Client, ServerRef } from '../api/model.ts';
import { Conflict, InvalidClientMetadata } from '../errors/oauth-errors.ts';
import type { TesseraConfig } from '../config/schema.ts';
import type { Clock } from '../time/clock.ts';
import type { AuditDependencies } from './audit.ts';
import { DEFAULT_SERVER } from '../servers/server-context.ts';
import { DuplicateKeyError, type AuthorizationServerRecord } from '../store/repositories.ts';
import { fapiRegistrationProblems, isFapi } from '../profile/fapi2-security.ts';
import type { AdminEnv } from './admin-env.ts';
import { auditChange } from './audit.ts';
import { buildClient, clientRepresentation, mergePatch } from './client-record.ts';
import { clientListSchema, clientMetadataPatchSchema, clientMetadataSchema, clientSchema, type ClientMetadataInput } from './client-schema.ts';
import { requireClient, requireServer, requireTenant, type AdminLookupDependencies } from './lookups.ts';
import { badRequest, clientParams, commonErrors, conflict, json, jsonBody, serverQuery, tenantParams } from './route-parts.ts';
import { bodyError, validationHook } from './validation-errors.ts';
import { epochSeconds } from '../time/clock.ts';

const TAG = 'Clients';
const metadataErrors = badRequest('invalid_client_metadata or invalid_redirect_uri (RFC 7591 §3.2.2); error_description names the field.');

const createClient = createRoute({
  method: 'post',
  path: '/api/admin/{tid}/clients',
  tags: [TAG],
  summary: 'Register a client',
  description: 'The response carries `client_secret` (generated when absent for secret-based clients) once; no later response does.',
  request: { params: tenantParams, body: jsonBody(clientMetadataSchema) },
  responses: { 201: json(clientSchema, 'The registered client.'), ...metadataErrors, ...commonErrors, ...conflict('client_id is taken on that server.') },
});

const listClients = createRoute({
  method: 'get',
  path: '/api/admin/{tid}/clients',
  tags: [TAG],
  summary: 'List clients',
  request: { params: tenantParams, query: serverQuery },
  responses: { 200: json(clientListSchema, 'The clients of the tenant, or of one server.'), ...badRequest(), ...commonErrors },
});

const getClient = createRoute({
  method: 'get',
  path: '/api/admin/{tid}/clients/{client_id}',
  tags: [TAG],
  summary: 'Read a client',
  request: { params: clientParams, query: serverQuery },
  responses: { 200: json(clientSchema, 'The client (never its secret).'), ...badRequest(), ...commonErrors },
});

const replaceClient = createRoute({
  method: 'put',
  path: '/api/admin/{tid}/clients/{client_id}',
  tags: [TAG],
  summary: 'Replace a client\'s metadata',
  description:
    'Full update: absent fields take their defaults, except the secret, which is kept unless `client_secret` is sent ' +
    '(a secret-based client without one gets a generated secret, returned in this response).',
  request: { params: clientParams, query: serverQuery, body: jsonBody(clientMetadataSchema) },
  responses: { 200: json(clientSchema, 'The updated client.'), ...metadataErrors, ...commonErrors },
});

const patchClient = createRoute({
  method: 'patch',
  path: '/api/admin/{tid}/clients/{client_id}',
  tags: [TAG],
  summary: 'Change some of a client\'s metadata',
  request: { params: clientParams, query: serverQuery, body: jsonBody(clientMetadataPatchSchema) },
  responses: { 200: json(clientSchema, 'The updated client.'), ...metadataErrors, ...commonErrors },
});

const deleteClient = createRoute({
  method: 'delete',
  path: '/api/admin/{tid}/clients/{client_id}',
  tags: [TAG],
  summary: 'Delete a client',
  description: 'Its credentials stop working at once.',
  request: { params: clientParams, query: serverQuery },
  responses: { 204: { description: 'Deleted.' }, ...badRequest(), ...commonErrors },
});

/** The lookups, the audit events, the limits, and the clock certificates' validity is read against. */
export interface ClientRouteDependencies extends AdminLookupDependencies, AuditDependencies {
  readonly config: TesseraConfig;
  readonly clock: Clock;
}

export function clientRoutes(api: OpenAPIHono<AdminEnv>, runtime: ClientRouteDependencies): void {
  const hook = validationHook('client_metadata');
  const maxCertificates = () => runtime.config.limits.max_certificates_per_client;
  const now = () => epochSeconds(runtime.clock);

  api.openapi(
    createClient,
    async (c) => {
      const { tid } = c.req.valid('param');
      const input = c.req.valid('json');
      const ref: ServerRef = { tenantId: tid, serverId: input.authorization_server_id ?? DEFAULT_SERVER.serverId };
      const server = await requireServer(runtime, ref);
      const { client, issuedSecret } = buildClient(ref, input, { existing: null, maxCertificates: maxCertificates(), now: now() });
      checkProfile(server, client);
      try {
        await runtime.store.clients.create(client);
      } catch (err) {
        if (err instanceof DuplicateKeyError) throw new Conflict(`client_id "${client.clientId}" is already registered on ${ref.tenantId}/${ref.serverId}`);
        throw err;
      }
      auditChange(runtime, c, { resource: 'client', action: 'created', id: client.clientId, server: ref, extra: { method: client.tokenEndpointAuthMethod } });
      return c.json(clientRepresentation(client, issuedSecret), 201, { Location: clientLocation(client) });
    },
    hook,
  );

  api.openapi(listClients, async (c) => {
    const { tid } = c.req.valid('param');
    const { authorization_server_id: serverId } = c.req.valid('query');
    let clients: Client[];
    if (serverId !== undefined) {
      await requireServer(runtime, { tenantId: tid, serverId });
      clients = await runtime.store.clients.list({ tenantId: tid, serverId });
    } else {
      await requireTenant(runtime, tid);
      clients = await runtime.store.clients.listByTenant(tid);
    }
    return c.json({ clients: clients.map((client) => clientRepresentation(client)) }, 200);
  });

  api.openapi(getClient, async (c) => {
    const { tid, client_id: clientId } = c.req.valid('param');
    const client = await requireClient(runtime, tid, clientId, c.req.valid('query').authorization_server_id);
    return c.json(clientRepresentation(client), 200);
  });

  const replace = async (existing: Client, input: ClientMetadataInput, sent: string[], c: Context<AdminEnv>) => {
    if (input.client_id !== undefined && input.client_id !== existing.clientId) {
      throw new InvalidClientMetadata(`client_id: cannot change (the path names "${existing.clientId}")`);
    }
    if (input.authorization_server_id !== undefined && input.authorization_server_id !== existing.serverId) {
      throw new InvalidClientMetadata(`authorization_server_id: a client cannot move to another server (it belongs to "${existing.serverId}")`);
    }
    const { client, issuedSecret } = buildClient(existing, input, { existing, maxCertificates: maxCertificates(), now: now() });
    checkProfile(await requireServer(runtime, existing), client);
    const saved = await runtime.store.clients.update(client);
    auditChange(runtime, c, {
      resource: 'client',
      action: 'updated',
      id: saved.clientId,
      server: saved,
      extra: { fields: sent.filter((k) => k !== 'client_secret'), secretChanged: input.client_secret !== undefined || issuedSecret !== null },
    });
    return clientRepresentation(saved, issuedSecret);
  };

  api.openapi(
    replaceClient,
    async (c) => {
      const { tid, client_id: clientId } = c.req.valid('param');
      const existing = await requireClient(runtime, tid, clientId, c.req.valid('query').authorization_server_id);
      const input = c.req.valid('json');
      return c.json(await replace(existing, input, Object.keys(input), c), 200);
    },
    hook,
  );

  api.openapi(
    patchClient,
    async (c) => {
      const { tid, client_id: clientId } = c.req.valid('param');
      const existing = await requireClient(runtime, tid, clientId, c.req.valid('query').authorization_server_id);
      const patch = c.req.valid('json');
      const merged = clientMetadataSchema.safeParse(mergePatch(existing, patch));
      if (!merged.success) throw bodyError(merged.error, 'client_metadata');
      // Only what the patch sent counts as "sent" (client_id, server, secret).
      const input: ClientMetadataInput = { ...merged.data, client_id: patch.client_id, authorization_server_id: patch.authorization_server_id, client_secret: patch.client_secret };
      return c.json(await replace(existing, input, Object.keys(patch), c), 200);
    },
    hook,
  );

  api.openapi(deleteClient, async (c) => {
    const { tid, client_id: clientId } = c.req.valid('param');
    const client = await requireClient(runtime, tid, clientId, c.req.valid('query').authorization_server_id);
    await runtime.store.clients.delete(client, client.clientId);
    auditChange(runtime, c, { resource: 'client', action: 'deleted', id: client.clientId, server: client });
    return c.body(null, 204);
  });
}

function clientLocation(client: Client): string {
  return `/api/admin/${client.tenantId}/clients/${encodeURIComponent(client.clientId)}?authorization_server_id=${client.serverId}`;
}

/** The server's profile may refuse what the schema allows (FAPI 2.0: which clients may exist at all). */
function checkProfile(server: AuthorizationServerRecord, client: Client): void {
  if (!isFapi(server)) return;
  const problems = fapiRegistrationProblems(client);
  if (problems.length > 0) throw new InvalidClientMetadata(problems.join('; '));
}
