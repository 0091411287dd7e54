/**
 * Tokens go to the client the core authenticated, on this server, for the subject the grant names:
 * none for client_credentials, the code's user, the refresh token's, the user the password grant
 * logged in with the user name the client sent.
 */
import { sha256Base64Url } from '../../crypto/sha256.ts';
import { opaqueTokenId } from '../../tokens/token-ids.ts';
import type { TokenInvariant } from './invariant.ts';
import type { TokenRequest } from './token-request.ts';

function expectedSubject(request: TokenRequest): string | null | undefined {
  switch (request.grantType) {
    case 'client_credentials':
      return null;
    case 'authorization_code': {
      const code = request.found.code;
      // The code redeemed must be the one the client sent.
      return code && request.params.code && code.id === sha256Base64Url(request.params.code) ? code.username : undefined;
    }
    case 'refresh_token': {
      const presented = request.found.refreshToken;
      return presented && request.params.refresh_token && presented.id === opaqueTokenId(request.params.refresh_token) ? presented.subject : undefined;
    }
    case 'password': {
      const login = request.found.login;
      return login && login.username === request.params.username ? login.user.username : undefined;
    }
    default:
      // A grant without a core handler: no subject the core can vouch for.
      return undefined;
  }
}

export const subjectAndClient: TokenInvariant = {
  name: 'subject-and-client',
  check(request, { access, refresh }) {
    const { client, server } = request;
    for (const record of [access, refresh]) {
      if (!record) continue;
      if (record.clientId !== client.clientId) return `token issued to client ${record.clientId}, but ${client.clientId} authenticated`;
      if (record.tenantId !== server.tenantId || record.serverId !== server.serverId) return 'token issued for another authorization server';
    }
    if (access.audience.length !== 1 || access.audience[0] !== client.clientId) return `access token audience ${access.audience.join(' ')} is not the client`;
    const subject = expectedSubject(request);
    if (subject === undefined) return `the core cannot vouch for the subject of this ${request.grantType} grant (not the code, refresh token or user the client sent)`;
    for (const record of [access, refresh]) {
      if (record && record.subject !== subject) return `token subject ${record.subject ?? '(none)'} is not the grant's ${subject ?? '(none)'}`;
    }
    return null;
  },
};
