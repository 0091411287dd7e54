/**
 * The core's bearer check for protected resources (RFC 6750): the token must be active on this
 * server and pass every enabled ProtectedResourceValidator. A token bound by a `cnf` member that no
 * enabled validator verifies is refused: with its verifier switched off, a bound token fails closed.
 * The same holds for the Authorization scheme: `Bearer` is the core's; another (RFC 9449 `DPoP`) is
 * accepted only when an enabled validator names it, and that validator then checks the proof.
 */
import { parseAuthorizationHeader } from '../api/authorization-header.ts';
import type { PresentedAccessToken, RequestInfo } from '../api/extension-points.ts';
import type { AccessTokenRecord, ServerContext } from '../api/model.ts';
import { InvalidRequest, InvalidToken, MissingToken, OAuthError } from '../errors/oauth-errors.ts';
import type { ExtensionSet } from '../plugins/extension-set.ts';
import { StoreUnavailableError } from '../store/repositories.ts';
import type { TokenService } from '../tokens/token-service.ts';

/** A token as presented: its value and how it came (`Bearer`, `DPoP`, or `form` for a form-body `access_token`). */
export interface PresentedToken {
  readonly value: string;
  readonly scheme: string;
}

/** RFC 6750 §2.1 / RFC 9449 §7.1: `Authorization: Bearer|DPoP <token68>` (scheme case-insensitive), or the form body. */
export function presentedTokenOf(authorization: string | undefined, formToken?: string): PresentedToken | null {
  if (authorization) {
    const credentials = parseAuthorizationHeader(authorization);
    if (!credentials) throw new InvalidToken('malformed Authorization header');
    if (formToken) throw new InvalidRequest('the access token was sent in more than one way');
    return { value: credentials.token, scheme: credentials.scheme };
  }
  return formToken ? { value: formToken, scheme: 'form' } : null;
}

/** The Bearer token of an Authorization header (for callers that take only RFC 6750 tokens). */
export function bearerTokenOf(authorization: string | undefined, formToken?: string): PresentedToken | null {
  const presented = presentedTokenOf(authorization, formToken);
  if (presented?.scheme === 'DPoP') throw new InvalidToken('this resource takes Bearer tokens only');
  return presented;
}

/** What the bearer check uses: the token lookup and the enabled ProtectedResourceValidators. */
export interface BearerCheckDependencies {
  readonly tokens: TokenService;
  readonly extensions: ExtensionSet;
}

/**
 * `urls`: the public URLs of the resource (what a DPoP proof's `htu` may name); none for a resource
 * that takes only Bearer tokens.
 */
export async function checkBearerToken(
  runtime: BearerCheckDependencies,
  server: ServerContext,
  presented: PresentedToken | null,
  request: RequestInfo,
  urls: readonly string[] = [],
): Promise<AccessTokenRecord> {
  if (!presented) throw new MissingToken();
  const validators = runtime.extensions.resourceValidators;
  const scheme = presented.scheme;
  if (scheme !== 'Bearer' && scheme !== 'form' && !validators.some((v) => v.instance.schemes?.includes(scheme))) {
    throw new InvalidToken(`the ${scheme} authorization scheme is not supported here`, `no enabled validator takes the ${scheme} scheme`);
  }
  const token = await runtime.tokens.findActiveAccessToken(server, presented.value);
  if (!token) throw new InvalidToken('the access token is invalid, expired or revoked');
  const context: PresentedAccessToken = { server, value: presented.value, scheme, urls };
  const verifiable = new Set(validators.flatMap((v) => v.instance.confirmationMethods));
  const unverifiable = Object.keys(token.confirmation ?? {}).filter((m) => !verifiable.has(m));
  if (unverifiable.length > 0) throw new InvalidToken('the access token is bound to a proof this server cannot check', `no validator for cnf ${unverifiable.join(', ')}`);
  for (const { name, instance } of validators) {
    try {
      await instance.validate(token, request, context);
    } catch (err) {
      if (OAuthError.is(err) || err instanceof StoreUnavailableError) throw err;
      throw new InvalidToken('the access token could not be validated', `validator ${name} failed: ${(err as Error).message}`);
    }
  }
  return token;
}
