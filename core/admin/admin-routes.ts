/**
 * The admin API under `/api`: `/api/admin/{tid}/clients|servers|users` (authenticated), the OpenAPI
 * document at `/api/openapi.json`, Swagger UI at `/api/swagger/{tid}` and the console at `/console`
 * (public: they hold no data; every call they make is authenticated). Mounted by `startServer({ mount: adminRoutes })`.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Hono } from 'hono';
import { NotFound } from '../errors/oauth-errors.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import type { TesseraConfig } from '../config/schema.ts';
import type { ServerDirectory } from '../servers/server-directory.ts';
import { DEFAULT_SERVER } from '../servers/server-context.ts';
import { adminAuthentication, type AdminAuthDependencies } from './admin-auth.ts';
import type { AdminEnv } from './admin-env.ts';
import { certificateRoutes } from './certificate-routes.ts';
import { clientRoutes, type ClientRouteDependencies } from './client-routes.ts';
import { eventRoutes, type EventRouteDependencies } from './event-routes.ts';
import { ID_PATTERN, RESERVED_TENANT_IDS } from './identifiers.ts';
import { OpenApiDocuments } from './openapi-document.ts';
import { serverRoutes, type ServerRouteDependencies } from './server-routes.ts';
import { consoleRoutes } from '../console/console-routes.ts';
import { swaggerRoutes } from './swagger-ui.ts';
import { tenantRoutes } from './tenant-routes.ts';
import { userRoutes, type UserRouteDependencies } from './user-routes.ts';
import { validationHook } from './validation-errors.ts';

/** What the route groups below use, and the settings and directory the token URL comes from. */
export interface AdminRouteDependencies
  extends AdminAuthDependencies,
    ClientRouteDependencies,
    ServerRouteDependencies,
    UserRouteDependencies,
    EventRouteDependencies {
  readonly config: TesseraConfig;
  readonly servers: ServerDirectory;
}

export function adminRoutes(app: Hono<TesseraEnv>, runtime: AdminRouteDependencies): void {
  const api = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook('request') });

  api.use('/api/admin/*', async (c, next) => {
    // Responses carry secrets (once) and configuration: never cached.
    c.header('Cache-Control', 'no-store');
    c.header('Pragma', 'no-cache');
    await next();
  });
  api.use('/api/admin/*', adminAuthentication(runtime));

  // `/api/admin/tenants` and `/api/admin/certificate-info` have one segment after `admin`; tenant routes have two or more.
  tenantRoutes(api, runtime);
  certificateRoutes(api);
  clientRoutes(api, runtime);
  serverRoutes(api, runtime);
  userRoutes(api, runtime);
  eventRoutes(api, runtime);

  /**
   * The default server's token endpoint as the caller reaches it: under `[server] public_url` when
   * set, else at the origin the caller used (so Swagger UI's Authorize posts to its own origin).
   */
  const tokenUrl = async (c: Context<AdminEnv>) => {
    if (!runtime.config.server.public_url) {
      try {
        return `${new URL(c.req.url).origin}/oauth2/token`;
      } catch {
        // An unusable Host header: fall back to the configured listener URL.
      }
    }
    return `${(await runtime.servers.resolve(DEFAULT_SERVER))?.endpointBase ?? '/oauth2'}/token`;
  };
  const documents = new OpenApiDocuments(api);
  api.get('/api/openapi.json', async (c) => {
    const tid = c.req.query('tid');
    if (tid !== undefined && (!ID_PATTERN.test(tid) || RESERVED_TENANT_IDS.has(tid))) throw new NotFound(`no tenant "${tid}"`);
    // The token URL follows the request's origin: not for shared caches.
    return c.json(documents.get(await tokenUrl(c), tid), 200, { 'Cache-Control': 'no-store' });
  });
  swaggerRoutes(api, { tokenUrl });
  consoleRoutes(api);

  app.route('/', api);
}
