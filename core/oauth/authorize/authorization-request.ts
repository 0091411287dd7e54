/**
 * Validates an authorization request (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2.1). Until the
 * client and its exact redirect_uri are known good, errors are shown as a page (never redirected:
 * no open redirector); after that they go back to the client.
 */
import type { Client, ServerProfile, ServerRef } from '../../api/model.ts';
import { isFapi } from '../../profile/fapi2-security.ts';
import { InvalidRequest, OAuthError, UnsupportedResponseType } from '../../errors/oauth-errors.ts';
import type { Store } from '../../store/repositories.ts';
import { resolveScopes } from '../grants/scopes.ts';

export interface PendingAuthorization {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  /** RFC 9449 §10: the DPoP key (JWK SHA-256 thumbprint) the code is bound to; absent in requests made before it existed. */
  dpopJkt?: string | null;
  prompt: string | null;
  csrf: string;
  /** The flow cookie of the browser that started it: every form post must come with it. */
  browser: string;
  /** Set after the user signed in for this request. */
  username?: string;
  authTime?: number;
}

/** An error shown as a page: the redirect target is not trusted. */
export class UntrustedRedirectError extends Error {
  constructor(readonly error: OAuthError) {
    super(error.message);
  }
}

/** An error returned to the client's redirect_uri. */
export class RedirectableError extends Error {
  constructor(
    readonly error: OAuthError,
    readonly redirectUri: string,
    readonly state: string | null,
  ) {
    super(error.message);
  }
}

export interface AuthorizationSettings {
  codeFlowEnabled: boolean;
  defaultScopes: string[];
  allowPlainPkce: boolean;
  requirePkceForPublicClients: boolean;
  /** `[oauth] require_pushed_authorization_requests`: every client must use PAR. */
  requirePushedRequests: boolean;
}

/** Where the parameters came from: the query of /authorize, or a request pushed to PAR (RFC 9126). */
export type RequestOrigin = 'query' | 'pushed';

export async function validateAuthorizationRequest(
  store: Store,
  server: ServerRef & { readonly profile?: ServerProfile },
  params: Record<string, string>,
  settings: AuthorizationSettings,
  csrf: string,
  browser: string,
  origin: RequestOrigin = 'query',
): Promise<{ client: Client; pending: PendingAuthorization }> {
  const fapi = isFapi(server);
  const untrusted = (description: string) => new UntrustedRedirectError(new InvalidRequest(description));
  if (!params.client_id) throw untrusted('client_id is required');
  const client = await store.clients.get(server, params.client_id);
  if (!client) throw untrusted('unknown client_id');
  // FAPI 2.0 §5.3.2.2: the redirect_uri is always sent, never defaulted.
  if (fapi && !params.redirect_uri) throw untrusted('redirect_uri is required on this server (FAPI 2.0)');
  const redirectUri = params.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  if (!redirectUri) throw untrusted('redirect_uri is required');
  // Exact string match (RFC 9700 §4.1.3): no prefixes, no wildcards, no normalisation.
  if (!client.redirectUris.includes(redirectUri)) throw untrusted('redirect_uri is not registered for this client');

  const state = params.state ?? null;
  const back = (error: OAuthError) => new RedirectableError(error, redirectUri, state);
  if (origin === 'query' && (fapi || settings.requirePushedRequests || client.requirePushedAuthorizationRequests)) {
    const why = fapi ? 'this server (FAPI 2.0)' : client.requirePushedAuthorizationRequests ? 'this client' : 'this server';
    throw back(new InvalidRequest(`${why} requires pushed authorization requests: POST the request to the pushed_authorization_request_endpoint and send its request_uri (RFC 9126)`));
  }
  if (params.request) throw back(new OAuthError(400, 'request_not_supported', 'request objects are not supported'));
  if (params.request_uri) throw back(new InvalidRequest('request_uri is not allowed here (RFC 9126 §2.1)'));
  if (params.response_type !== 'code') throw back(new UnsupportedResponseType('only response_type=code is supported'));
  // A code nobody could redeem is not issued when `[oauth.grant_type.authorization_code]` is off.
  if (!settings.codeFlowEnabled) throw back(new UnsupportedResponseType('the authorization code grant is not enabled'));
  if (params.response_mode && params.response_mode !== 'query') throw back(new InvalidRequest('only response_mode=query is supported'));
  if (!client.responseTypes.includes('code') || !client.grantTypes.includes('authorization_code')) {
    throw back(new OAuthError(400, 'unauthorized_client', 'the client may not use the authorization code flow'));
  }

  let scopes: string[];
  try {
    scopes = resolveScopes(params.scope, client, settings.defaultScopes);
  } catch (err) {
    throw back(err as OAuthError);
  }

  const challenge = params.code_challenge ?? null;
  const method = challenge ? (params.code_challenge_method ?? 'plain') : null;
  if (fapi && (!challenge || method !== 'S256')) {
    throw back(new InvalidRequest('PKCE with code_challenge_method S256 is required on this server (FAPI 2.0)'));
  }
  if (challenge) {
    if (method !== 'S256' && !(method === 'plain' && settings.allowPlainPkce)) {
      throw back(new InvalidRequest(`code_challenge_method ${method} is not allowed; use S256`));
    }
    if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(challenge)) throw back(new InvalidRequest('malformed code_challenge'));
  } else if (params.code_challenge_method) {
    throw back(new InvalidRequest('code_challenge_method without code_challenge'));
  } else if (client.tokenEndpointAuthMethod === 'none' && settings.requirePkceForPublicClients) {
    throw back(new InvalidRequest('PKCE (code_challenge with S256) is required for public clients'));
  }
  // RFC 9449 §10: a base64url SHA-256 thumbprint (RFC 7638), 43 characters.
  if (params.dpop_jkt !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(params.dpop_jkt)) {
    throw back(new InvalidRequest('malformed dpop_jkt: expected the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 9449 §10)'));
  }
  if (params.prompt && !/^(none|login|consent)( (none|login|consent))*$/.test(params.prompt)) {
    throw back(new InvalidRequest('unsupported prompt value'));
  }

  return {
    client,
    pending: {
      clientId: client.clientId,
      redirectUri,
      scopes,
      state,
      nonce: params.nonce ?? null,
      codeChallenge: challenge,
      codeChallengeMethod: method,
      dpopJkt: params.dpop_jkt ?? null,
      prompt: params.prompt ?? null,
      csrf,
      browser,
    },
  };
}
