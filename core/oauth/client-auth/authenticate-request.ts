import type { Context } from 'hono';
import type { ClientAuthRequest } from '../../api/extension-points.ts';
import type { TesseraEnv } from '../../http/hono-env.ts';
import type { ClientAuthentication } from './client-authentication.ts';
import { assertionAudiences } from './assertion-audiences.ts';
import { parseBasicAuthorization, presentedCredentials } from './presented-credentials.ts';

/** What an endpoint that authenticates its client uses. */
export interface ClientAuthDependencies {
  readonly clientAuth: ClientAuthentication;
}

/** Client authentication for a token, introspection, revocation or pushed authorization request. */
export function authenticateClientFor(
  runtime: ClientAuthDependencies,
  c: Context<TesseraEnv>,
  params: Readonly<Record<string, string>>,
  endpoint: ClientAuthRequest['endpoint'],
) {
  const server = c.get('server');
  const credentials = presentedCredentials(parseBasicAuthorization(c.req.header('authorization')), params);
  let audiences: string[] | undefined;
  return runtime.clientAuth.authenticate({
    tenantId: server.tenantId,
    serverId: server.serverId,
    request: c.get('requestInfo'),
    credentials,
    endpoint,
    profile: server.profile,
    // Built on first read: only client assertions (private_key_jwt, client_secret_jwt) look at it.
    get audiences() {
      return (audiences ??= assertionAudiences(server, endpoint));
    },
  });
}
