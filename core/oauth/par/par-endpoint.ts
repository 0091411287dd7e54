/**
 * POST /oauth2/par — the pushed authorization request endpoint (RFC 9126 §2). The client
 * authenticates as at the token endpoint; the request is validated as /authorize would validate it
 * (errors answered as JSON here, nothing is redirected); then it is stored under a one-time
 * `request_uri`, answered 201 with `expires_in`.
 *
 * RFC 9449 §10.1: a DPoP proof sent with the push (checked by the enabled TokenBinders, for this
 * endpoint's URL) binds the authorization code to its key, as `dpop_jkt` would; both present must name
 * the same key.
 */
import type { Context } from 'hono';
import { InvalidRequest, OAuthError } from '../../errors/oauth-errors.ts';
import { readForm } from '../../http/form-body.ts';
import type { TesseraEnv } from '../../http/hono-env.ts';
import type { TesseraConfig } from '../../config/schema.ts';
import type { Store } from '../../store/repositories.ts';
import { RedirectableError, UntrustedRedirectError, validateAuthorizationRequest, type AuthorizationSettings } from '../authorize/authorization-request.ts';
import { authenticateClientFor, type ClientAuthDependencies } from '../client-auth/authenticate-request.ts';
import { componentHeaders } from '../../http/error-renderer.ts';
import { JKT } from '../invariants/dpop-binding.ts';
import { runTokenBinders, type TokenBinderDependencies } from '../token-binders.ts';
import type { PushedRequests } from './pushed-requests.ts';

/** Client authentication parameters: they authenticate the push and are not part of the request. */
const AUTHENTICATION_PARAMS = ['client_secret', 'client_assertion', 'client_assertion_type'];

/** What POST /par uses besides the pushed-request store: client auth, the binders, the limits, the store requests are validated against. */
export interface ParDependencies extends ClientAuthDependencies, TokenBinderDependencies {
  readonly config: TesseraConfig;
  readonly store: Store;
}

export function parEndpoint(runtime: ParDependencies, pushed: PushedRequests, settings: AuthorizationSettings) {
  return async (c: Context<TesseraEnv>) => {
    const form = await readForm(c);
    const { client, result } = await authenticateClientFor(runtime, c, form, 'pushed_authorization');
    const server = c.get('server');
    const params: Record<string, string> = { ...form, client_id: client.clientId };
    for (const name of AUTHENTICATION_PARAMS) delete params[name];
    if (form.request_uri !== undefined) throw new InvalidRequest('request_uri must not be pushed (RFC 9126 §2.1)');
    const size = new URLSearchParams(params).toString().length;
    if (size > runtime.config.limits.pushed_request_max_bytes) {
      throw new InvalidRequest(`the pushed request is larger than ${runtime.config.limits.pushed_request_max_bytes} bytes`);
    }
    const { proofs, responseHeaders } = await runTokenBinders(runtime, {
      tenantId: server.tenantId,
      serverId: server.serverId,
      server,
      endpoint: 'pushed_authorization',
      grantType: 'authorization_code',
      params,
      client,
      clientAuth: result,
      request: c.get('requestInfo'),
    });
    const proved = proofs[JKT];
    if (proved !== undefined) {
      if (params.dpop_jkt !== undefined && params.dpop_jkt !== proved) {
        throw new InvalidRequest('dpop_jkt does not match the key of the DPoP proof (RFC 9449 §10.1)', `dpop_jkt ${params.dpop_jkt.slice(0, 64)}, proof key ${proved}`);
      }
      params.dpop_jkt = proved;
    }
    try {
      await validateAuthorizationRequest(runtime.store, server, params, settings, '', '', 'pushed');
    } catch (err) {
      // The client is authenticated and talking to us directly: every problem goes back as JSON.
      if (err instanceof RedirectableError || err instanceof UntrustedRedirectError) throw asJson(err.error);
      throw err;
    }
    const lifetime = runtime.config.oauth.pushed_authorization_request_lifetime;
    const requestUri = await pushed.push(server, client.clientId, params, lifetime);
    return c.json({ request_uri: requestUri, expires_in: lifetime }, 201, { ...componentHeaders(responseHeaders), 'Cache-Control': 'no-store' });
  };
}

/** Redirect-only errors become JSON errors; the status stays 400. */
function asJson(error: OAuthError): OAuthError {
  return error.status === 400 ? error : new OAuthError(400, error.error, error.description);
}
