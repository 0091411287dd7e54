/** Shared by the admin API tests: a real server with the admin routes mounted, and admin calls over HTTPS. */
import { afterAll, beforeAll } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { call, closeClients, type CallOptions, type CallResult } from '../support/https-client.ts';
import { startTestServer, type TestServer, type TestServerOptions } from '../support/test-server.ts';

export const SUPER_ADMIN: [string, string] = ['admin', 'admin'];

export function startAdminServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ ...options, mount: adminRoutes });
}

/**
 * The admin server of the enclosing describe block: started before its tests, stopped after them
 * (once the pooled HTTPS clients are closed). The returned object stands for that server, so read
 * it only inside tests and hooks.
 */
export function adminServerForSuite(options: TestServerOptions = {}): TestServer {
  let started: TestServer | undefined;
  beforeAll(async () => {
    started = await startAdminServer(options);
  });
  afterAll(async () => {
    await closeClients();
    await started?.dispose();
  });
  return new Proxy({} as TestServer, {
    get(_, member) {
      if (!started) throw new Error('the suite server is read before beforeAll started it');
      return started[member as keyof TestServer];
    },
  });
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
