/**
 * The core's bearer check for protected resources (RFC 6750): the token must be active on this
 * server and pass every enabled ProtectedResourceValidator. A token bound by a `cnf` member that no
 * enabled validator verifies is refused: with its verifier switched off, a bound token fails closed.
 */
import type { RequestInfo } from '../api/extension-points.ts';
import type { AccessTokenRecord, ServerContext } from '../api/model.ts';
import { InvalidRequest, InvalidToken, MissingToken, OAuthError } from '../errors/oauth-errors.ts';
import type { CoreRuntime } from '../runtime/core-runtime.ts';
import { StoreUnavailableError } from '../store/repositories.ts';

export function bearerTokenOf(authorization: string | undefined, formToken?: string): string | null {
  if (authorization) {
    const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization);
    if (!match) throw new InvalidToken('malformed Authorization header');
    if (formToken) throw new InvalidRequest('the access token was sent in more than one way');
    return match[1];
  }
  return formToken ?? null;
}

export async function checkBearerToken(
  runtime: CoreRuntime,
  server: ServerContext,
  value: string | null,
  request: RequestInfo,
): Promise<AccessTokenRecord> {
  if (!value) throw new MissingToken();
  const token = await runtime.tokens.findActiveAccessToken(server, value);
  if (!token) throw new InvalidToken('the access token is invalid, expired or revoked');
  const validators = runtime.extensions.resourceValidators;
  const verifiable = new Set(validators.flatMap((v) => v.instance.confirmationMethods));
  const unverifiable = Object.keys(token.confirmation ?? {}).filter((m) => !verifiable.has(m));
  if (unverifiable.length > 0) throw new InvalidToken('the access token is bound to a proof this server cannot check', `no validator for cnf ${unverifiable.join(', ')}`);
  for (const { name, instance } of validators) {
    try {
      await instance.validate(token, request);
    } catch (err) {
      if (OAuthError.is(err) || err instanceof StoreUnavailableError) throw err;
      throw new InvalidToken('the access token could not be validated', `validator ${name} failed: ${(err as Error).message}`);
    }
  }
  return token;
}
