/**
 * `GET /api/admin/tenants`: every tenant with its servers' ids. Tenants have no life of their own:
 * creating a server under a new `tid` creates one (server-routes.ts).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AdminLookupDependencies } from './lookups.ts';
import type { AdminEnv } from './admin-env.ts';
import { commonErrors, json } from './route-parts.ts';

const tenantSchema = z
  .object({
    id: z.string().openapi({ example: 'default' }),
    name: z.string(),
    created_at: z.int(),
    servers: z.array(z.string()).openapi({ description: 'The ids of its authorization servers.', example: ['default'] }),
  })
  .openapi('Tenant');

const listTenants = createRoute({
  method: 'get',
  path: '/api/admin/tenants',
  tags: ['Authorization servers'],
  summary: 'List tenants',
  responses: { 200: json(z.object({ tenants: z.array(tenantSchema) }).openapi('TenantList'), 'The tenants.'), 401: commonErrors[401], 403: commonErrors[403] },
});

export function tenantRoutes(api: OpenAPIHono<AdminEnv>, runtime: AdminLookupDependencies): void {
  api.openapi(listTenants, async (c) => {
    const tenants = await runtime.store.tenants.list();
    const withServers = await Promise.all(
      tenants.map(async (t) => ({
        id: t.tenantId,
        name: t.name,
        created_at: t.createdAt,
        servers: (await runtime.store.servers.list(t.tenantId)).map((s) => s.serverId),
      })),
    );
    return c.json({ tenants: withServers }, 200);
  });
}
