/**
 * POST /oauth2/introspect (RFC 7662). The caller is the super admin (Basic, as in the WSO2 guide) or
 * an authenticated client. Access tokens are active to any such caller (resource servers introspect
 * them); a refresh token only to the client it was issued to and the super admin, since nothing else
 * has a use for it. An inactive token is only `{"active": false}`: for an active access token
 * providers and interceptors add members (e.g. `cnf`) and may rewrite the response.
 */
import type { Context } from 'hono';
import type { IntrospectionContext } from '../api/extension-points.ts';
import type { AccessTokenRecord, RefreshTokenRecord, ServerContext } from '../api/model.ts';
import { InvalidClient, InvalidRequest, ServerError } from '../errors/oauth-errors.ts';
import { introspectionViolation } from './invariants/introspection-response.ts';
import { readForm } from '../http/form-body.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import type { Logger } from '../api/plugin-context.ts';
import type { ExtensionSet } from '../plugins/extension-set.ts';
import type { TokenService } from '../tokens/token-service.ts';
import type { Clock } from '../time/clock.ts';
import { authenticateClientFor, type ClientAuthDependencies } from './client-auth/authenticate-request.ts';
import { parseBasicAuthorization } from './client-auth/presented-credentials.ts';
import { authenticateAdmin, type AdminCredentialDependencies } from './admin-credentials.ts';
import { hookFailure, isPlainObject } from '../plugins/hook-failure.ts';
import { epochSeconds } from '../time/clock.ts';

const FAILED = 'the token could not be introspected';

/** The super admin, or the authenticated client's id. */
type Caller = { admin: true } | { admin: false; clientId: string };

/**
 * What POST /introspect uses: both ways a caller authenticates, the token lookups, the enabled
 * providers and interceptors, the clock a refresh token's expiry is read against.
 */
export interface IntrospectionDependencies extends ClientAuthDependencies, AdminCredentialDependencies {
  readonly tokens: TokenService;
  readonly extensions: ExtensionSet;
  readonly logger: Logger;
  readonly clock: Clock;
}

export function introspectionEndpoint(runtime: IntrospectionDependencies) {
  return async (c: Context<TesseraEnv>) => {
    const params = await readForm(c);
    const caller = await authenticateCaller(runtime, c, params);
    if (!params.token) throw new InvalidRequest('token is required');
    const server = c.get('server');
    // RFC 7662 §2.1: the hint only orders the search; an unknown hint is ignored.
    let token: AccessTokenRecord | null = null;
    let refreshToken: RefreshTokenRecord | null = null;
    if (params.token_type_hint === 'refresh_token') {
      refreshToken = await activeRefreshToken(runtime, server, params.token, caller);
      if (!refreshToken) token = await runtime.tokens.findActiveAccessToken(server, params.token);
    } else {
      token = await runtime.tokens.findActiveAccessToken(server, params.token);
      if (!token) refreshToken = await activeRefreshToken(runtime, server, params.token, caller);
    }
    const ctx: IntrospectionContext = { tenantId: server.tenantId, serverId: server.serverId, request: c.get('requestInfo'), token, refreshToken };
    let response: Record<string, unknown> = token
      ? await activeAccessResponse(runtime, ctx, server.issuer, token)
      : refreshToken
        ? activeMembers(refreshToken, server.issuer)
        : { active: false };
    const before = structuredClone(response);
    for (const { name, instance } of runtime.extensions.introspectionInterceptors) {
      // A failing interceptor (e.g. the one adding cnf) must not let the response out without it.
      try {
        response = await instance.intercept(response, ctx);
      } catch (err) {
        throw hookFailure(runtime.logger, 'IntrospectionInterceptor', name, err, FAILED);
      }
      if (!isPlainObject(response)) throw hookFailure(runtime.logger, 'IntrospectionInterceptor', name, new TypeError('intercept() did not return an object'), FAILED);
    }
    // An interceptor may add members, never revive an inactive token.
    if (!token && !refreshToken) response = { active: false };
    const violation = introspectionViolation(before, response);
    if (violation !== null) {
      const interceptors = runtime.extensions.introspectionInterceptors.map((i) => i.name);
      runtime.logger.error({ invariant: 'introspection-response', violation, interceptors }, `core invariant introspection-response refused an introspection answer: ${violation}; interceptors: ${interceptors.join(' -> ')}`);
      throw new ServerError(FAILED, `invariant introspection-response: ${violation}`);
    }
    return c.json(response, 200, { 'Cache-Control': 'no-store' });
  };
}

/**
 * The RFC 7662 §2.2 members every active token has. A refresh token has no more: no `token_type`,
 * which RFC 7662 takes from RFC 6749 §5.1, where only access tokens are typed.
 */
function activeMembers(token: AccessTokenRecord | RefreshTokenRecord, issuer: string): Record<string, unknown> {
  return {
    active: true,
    scope: token.scopes.join(' '),
    client_id: token.clientId,
    ...(token.username ? { username: token.username } : {}),
    sub: token.subject ?? token.clientId,
    exp: token.expiresAt,
    iat: token.issuedAt,
    iss: issuer,
  };
}

async function activeAccessResponse(runtime: IntrospectionDependencies, ctx: IntrospectionContext, issuer: string, token: AccessTokenRecord) {
  const response: Record<string, unknown> = {
    ...activeMembers(token, issuer),
    // RFC 9449 §6.2: a DPoP-bound token is of type DPoP (as in its token response).
    token_type: token.confirmation?.jkt !== undefined ? 'DPoP' : 'Bearer',
    nbf: token.issuedAt,
    aud: token.audience.length === 1 ? token.audience[0] : token.audience,
  };
  const core = { ...response };
  for (const { name, instance } of runtime.extensions.introspectionDataProviders) {
    let members: unknown;
    try {
      members = await instance.provide({ ...ctx, token });
    } catch (err) {
      throw hookFailure(runtime.logger, 'IntrospectionDataProvider', name, err, FAILED);
    }
    if (members !== undefined && members !== null && !isPlainObject(members)) {
      throw hookFailure(runtime.logger, 'IntrospectionDataProvider', name, new TypeError('provide() did not return an object'), FAILED);
    }
    // Providers add members; the core's own (RFC 7662 §2.2) stay as the token record says. Two
    // providers' objects for one member are merged: a token bound by a certificate and a DPoP key
    // gets both in `cnf` (RFC 8705 §3.2, RFC 9449 §6.2).
    for (const [member, value] of Object.entries(members ?? {})) {
      if (member in core) continue;
      const earlier = response[member];
      response[member] = isPlainObject(earlier) && isPlainObject(value) ? { ...earlier, ...value } : value;
    }
  }
  return response;
}

/**
 * A refresh token that the refresh grant would still take from its client: not revoked, not expired,
 * not already rotated, its user still there — and the caller the super admin or that client.
 */
async function activeRefreshToken(runtime: IntrospectionDependencies, server: ServerContext, value: string, caller: Caller): Promise<RefreshTokenRecord | null> {
  const record = await runtime.tokens.findRefreshToken(server, value);
  if (!record || record.revoked || record.usedAt !== null || record.expiresAt <= epochSeconds(runtime.clock)) return null;
  if (!caller.admin && caller.clientId !== record.clientId) return null;
  if (record.username && !(await runtime.store.users.getByUsername(server, record.username))) return null;
  return record;
}

async function authenticateCaller(runtime: IntrospectionDependencies, c: Context<TesseraEnv>, params: Record<string, string>): Promise<Caller> {
  const basic = parseBasicAuthorization(c.req.header('authorization'));
  if (basic && (await authenticateAdmin(runtime, c.get('server'), basic, c.get('requestInfo').clientAddress))) return { admin: true };
  if (!basic && params.client_id === undefined) throw new InvalidClient('introspection requires client or admin credentials', 'no credentials');
  const { client, result } = await authenticateClientFor(runtime, c, params, 'introspection');
  // A public client only names itself: letting it introspect would hand anyone who knows a
  // client_id the user and scope behind every token (RFC 7662 §4). Discovery does not offer `none`.
  if (result.method === 'none') throw new InvalidClient('a public client may not introspect tokens', 'introspection by a public client');
  return { admin: false, clientId: client.clientId };
}
