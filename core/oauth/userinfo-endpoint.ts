/** GET/POST /oauth2/userinfo (OpenID Connect Core §5.3), behind the core bearer check. */
import type { Context } from 'hono';
import { InsufficientScope, InvalidToken } from '../errors/oauth-errors.ts';
import { parseForm } from '../http/form-body.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import type { Store } from '../store/repositories.ts';
import { checkBearerToken, presentedTokenOf, type BearerCheckDependencies } from './bearer-token.ts';

/** The bearer check, and the user records the claims come from. */
export interface UserinfoDependencies extends BearerCheckDependencies {
  readonly store: Store;
}

export function userinfoEndpoint(runtime: UserinfoDependencies) {
  return async (c: Context<TesseraEnv>) => {
    const isForm = c.req.method === 'POST' && /^application\/x-www-form-urlencoded/i.test(c.req.header('content-type') ?? '');
    const formToken = isForm ? parseForm(await c.req.text()).access_token : undefined;
    const server = c.get('server');
    // RFC 9449 §4.3: a DPoP proof names the URL the client called, on either listener.
    const urls = [`${server.endpointBase}/userinfo`, ...(server.mtlsEndpointBase ? [`${server.mtlsEndpointBase}/userinfo`] : [])];
    const presented = presentedTokenOf(c.req.header('authorization'), formToken);
    const token = await checkBearerToken(runtime, server, presented, c.get('requestInfo'), urls);
    if (!token.scopes.includes('openid')) throw new InsufficientScope('openid');
    if (!token.username) throw new InvalidToken('the access token was not issued to a user');
    const user = await runtime.store.users.getByUsername(server, token.username);
    if (!user) throw new InvalidToken('the user no longer exists');
    return c.json({ ...user.claims, sub: token.subject, preferred_username: user.username }, 200, { 'Cache-Control': 'no-store' });
  };
}
