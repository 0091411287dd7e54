/**
 * The composition root of the HTTP application: mounts every route of every listener on one Hono app,
 * wiring each route group (oauth/, the front pages, /metrics, and the admin API through `mount`) to
 * the runtime's services, and resolves which authorization server a path names. The middleware and
 * helpers it stacks live in core/http; the routes live with what they serve.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { NotFound } from '../errors/oauth-errors.ts';
import type { CoreRuntime } from './core-runtime.ts';
import { DEFAULT_SERVER } from '../servers/server-context.ts';
import { discoveryDocument } from '../oauth/discovery.ts';
import { oauthRoutes } from '../oauth/oauth-routes.ts';
import { errorHandler } from '../http/error-renderer.ts';
import { frontPages } from './front-pages.ts';
import type { LandingBundle } from '../ui/landing-page.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import { requestInfo } from '../http/request-info.ts';
import { boundedJsonDepth } from '../http/json-depth.ts';
import { requestBodyLimit } from '../http/body-limit.ts';
import { responseDeadline } from '../http/response-deadline.ts';
import type { Metrics } from '../observability/metrics.ts';
import { metricsAccess } from '../observability/metrics-access.ts';

export interface AppExtras {
  metrics: Metrics;
  /** Route groups mounted at the root (admin API, metrics, playground) by later layers. */
  mount?: (app: Hono<TesseraEnv>) => void;
  /** Readiness for /health. */
  health: () => Promise<{ ok: boolean; details: Record<string, unknown> }>;
  /** The bundles with enabled components, for the landing page at `/`. */
  bundles?: readonly LandingBundle[];
  /** True once the server is stopping: /health answers 503 so load balancers stop choosing it. */
  draining?: () => boolean;
  /** The /metrics text when it is not this process's registry alone (several workers: the primary aggregates). */
  metricsText?: () => Promise<string>;
}

export function composeApp(runtime: CoreRuntime, extras: AppExtras) {
  const app = new Hono<TesseraEnv>();
  app.onError(errorHandler(runtime.logger));
  app.notFound((c) => c.json({ error: 'not_found', error_description: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.use('*', requestBodyLimit(runtime.config.limits.max_body_bytes));
  app.use('*', boundedJsonDepth(runtime.config.limits.max_json_depth));
  app.use('*', extras.metrics.middleware());
  app.use('*', responseDeadline(runtime.config.limits.response_timeout_ms, runtime.logger));
  app.use('*', async (c, next) => {
    c.set('requestInfo', requestInfo(c, runtime.certificates, runtime.trustedProxies));
    await next();
  });

  app.get('/health', async (c) => {
    if (extras.draining?.()) return c.json({ status: 'draining' }, 503);
    const health = await extras.health();
    return c.json({ status: health.ok ? 'ok' : 'unavailable', ...health.details }, health.ok ? 200 : 503);
  });

  frontPages(app, runtime, extras.bundles ?? []);

  app.get('/metrics', metricsAccess(runtime), async (c) => c.text(await (extras.metricsText ?? (() => extras.metrics.registry.metrics()))(), 200, { 'Content-Type': extras.metrics.registry.contentType }));

  const server = (fromPath: boolean): MiddlewareHandler<TesseraEnv> => async (c, next) => {
    const ref = fromPath ? { tenantId: c.req.param('tid') ?? '', serverId: c.req.param('aid') ?? '' } : DEFAULT_SERVER;
    const context = await runtime.servers.resolve(ref);
    if (!context) throw new NotFound(`no authorization server ${ref.tenantId}/${ref.serverId}`);
    c.set('server', context);
    await next();
  };

  const oauth = oauthRoutes(runtime);
  app.use('/oauth2/*', server(false));
  app.route('/oauth2', oauth);

  const discovery = (c: Parameters<MiddlewareHandler<TesseraEnv>>[0]) => c.json(discoveryDocument(runtime, c.get('server')), 200, { 'Cache-Control': 'public, max-age=60' });
  for (const doc of ['openid-configuration', 'oauth-authorization-server']) {
    app.get(`/.well-known/${doc}`, server(false), discovery);
    app.get(`/:tid/:aid/.well-known/${doc}`, server(true), discovery);
    // RFC 8414 §3.1 inserts the well-known segment before the issuer's path.
    app.get(`/.well-known/${doc}/:tid/:aid`, server(true), discovery);
  }

  extras.mount?.(app);

  app.use('/:tid/:aid/oauth2/*', server(true));
  app.route('/:tid/:aid/oauth2', oauth);
  return app;
}
