/** The endpoints of one authorization server, mounted at `/oauth2` and `/{tid}/{aid}/oauth2`. */
import { Hono } from 'hono';
import type { TesseraEnv } from '../http/hono-env.ts';
import type { SigningKeys } from '../tokens/signing-keys.ts';
import { authorizeRoutes, type AuthorizeDependencies } from './authorize/authorize-routes.ts';
import { authorizationSettings } from './authorize/authorization-settings.ts';
import { parEndpoint, type ParDependencies } from './par/par-endpoint.ts';
import { PushedRequests } from './par/pushed-requests.ts';
import { introspectionEndpoint, type IntrospectionDependencies } from './introspection-endpoint.ts';
import { revocationEndpoint, type RevocationDependencies } from './revocation-endpoint.ts';
import { tokenEndpoint, type TokenEndpointDependencies } from './token-endpoint.ts';
import { userinfoEndpoint, type UserinfoDependencies } from './userinfo-endpoint.ts';
import { epochSeconds } from '../time/clock.ts';

/** Everything the endpoints below use, each named by the endpoint that needs it; and the keys /jwks publishes. */
export interface OAuthRouteDependencies
  extends TokenEndpointDependencies,
    IntrospectionDependencies,
    RevocationDependencies,
    UserinfoDependencies,
    ParDependencies,
    AuthorizeDependencies {
  readonly keys: SigningKeys;
}

export function oauthRoutes(runtime: OAuthRouteDependencies) {
  const app = new Hono<TesseraEnv>();
  app.post('/token', tokenEndpoint(runtime));
  app.post('/introspect', introspectionEndpoint(runtime));
  app.post('/revoke', revocationEndpoint(runtime));
  app.on(['GET', 'POST'], '/userinfo', userinfoEndpoint(runtime));
  app.get('/jwks', async (c) => c.json(await runtime.keys.publicJwks(c.get('server')), 200, { 'Cache-Control': 'public, max-age=300' }));
  // PAR (RFC 9126) lives in the core: it feeds /authorize, whose validation and one-time rules are the core's.
  const pushed = new PushedRequests(runtime.store.kv, () => epochSeconds(runtime.clock));
  app.post('/par', parEndpoint(runtime, pushed, authorizationSettings(runtime)));
  app.route('/', authorizeRoutes(runtime, pushed));
  return app;
}
