/**
 * Who may read /metrics on the public listeners (security review #15 item 7: request counts per
 * route and status were open to anyone): the super admin (or another admin of the default server)
 * with Basic credentials, or a Bearer access token of the default server carrying the `metrics`
 * scope — what a Prometheus scraper holds, from a client registered with that scope. The separate
 * `[observability] metrics_listener` (loopback by default) serves /metrics without this check.
 */
import type { MiddlewareHandler } from 'hono';
import { OAuthError } from '../errors/oauth-errors.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import { authenticateAdmin, type AdminCredentialDependencies } from '../oauth/admin-credentials.ts';
import { scopedBearerToken, type ScopedBearerDependencies } from '../oauth/scoped-bearer-token.ts';
import { parseBasicAuthorization } from '../oauth/client-auth/presented-credentials.ts';
import { DEFAULT_SERVER } from '../servers/server-context.ts';

export const METRICS_SCOPE = 'metrics';
const CHALLENGE = 'Basic realm="tessera-metrics", Bearer';

class MetricsUnauthorized extends OAuthError {
  constructor(error: string, description: string, reason?: string) {
    super(401, error, description, { reason, challenge: CHALLENGE });
  }
}

/** The two ways in: an admin's Basic pair, or a Bearer token of the default server. */
export type MetricsAccessDependencies = AdminCredentialDependencies & ScopedBearerDependencies;

export function metricsAccess(runtime: MetricsAccessDependencies): MiddlewareHandler<TesseraEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw new MetricsUnauthorized('unauthorized', `credentials are required: Basic (super admin) or a Bearer token with the "${METRICS_SCOPE}" scope`);
    if (/^Basic(\s|$)/i.test(header)) {
      let credentials;
      try {
        credentials = parseBasicAuthorization(header);
      } catch {
        credentials = null;
      }
      if (!credentials || !(await authenticateAdmin(runtime, DEFAULT_SERVER, credentials, c.get('requestInfo').clientAddress))) {
        throw new MetricsUnauthorized('unauthorized', 'invalid admin credentials', 'Basic credentials at /metrics refused');
      }
    } else if (/^Bearer(\s|$)/i.test(header)) {
      await scopedBearerToken(runtime, header, c.get('requestInfo'), METRICS_SCOPE, (...a) => new MetricsUnauthorized(...a));
    } else {
      throw new MetricsUnauthorized('unauthorized', 'unsupported authorization scheme: use Basic or Bearer');
    }
    await next();
  };
}
