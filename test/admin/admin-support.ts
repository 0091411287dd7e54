/** Shared by the admin API tests: a real server with the admin routes mounted, and admin calls over HTTPS. */
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { call, type CallOptions, type CallResult } from '../support/https-client.ts';
import { startTestServer, type TestServer, type TestServerOptions } from '../support/test-server.ts';

export const SUPER_ADMIN: [string, string] = ['admin', 'admin'];

export function startAdminServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ ...options, mount: adminRoutes });
}

/** An admin API call as the super admin (unless `options` authenticates otherwise). */
export function adminCall(server: TestServer, path: string, options: CallOptions = {}): Promise<CallResult> {
  const authenticated = options.basic || options.bearer || options.headers?.authorization;
  return call(`${server.url}${path}`, authenticated ? options : { ...options, basic: SUPER_ADMIN });
}

/** client_credentials at a server's token endpoint (`/oauth2` or `/{tid}/{aid}/oauth2`). */
export function clientCredentials(server: TestServer, base: string, clientId: string, secret: string, scope?: string): Promise<CallResult> {
  return call(`${server.url}${base}/token`, { form: { grant_type: 'client_credentials', ...(scope ? { scope } : {}) }, basic: [clientId, secret] });
}

/** The audit events the server logged (EventBus logs every event with its `audit` member). */
export function auditEvents(server: TestServer): Array<Record<string, unknown>> {
  return server.logs
    .map((line) => {
      try {
        return JSON.parse(line) as { audit?: Record<string, unknown> };
      } catch {
        return {};
      }
    })
    .flatMap((entry) => (entry.audit ? [entry.audit] : []));
}
