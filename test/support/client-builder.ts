/**
 * The one place a full `Client` record is written out for tests and benchmarks: `aClient()` is a
 * confidential-nothing client of the default server with every optional capability off; callers
 * pass only what their test is about. A new Client field gets its default here, once.
 */
import type { Client } from '../../core/api/model.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';

export function aClient(overrides: Partial<Client> = {}): Client {
  const now = Math.floor(Date.now() / 1000);
  return {
    ...DEFAULT_SERVER,
    clientId: 'client',
    clientName: null,
    secretHash: null,
    tokenEndpointAuthMethod: null,
    grantTypes: ['client_credentials'],
    responseTypes: [],
    redirectUris: [],
    scopes: [],
    jwks: null,
    jwksUri: null,
    tlsClientAuthSubjectDn: null,
    tlsClientAuthSanDns: null,
    tlsClientAuthSanUri: null,
    tlsClientAuthSanIp: null,
    tlsClientAuthSanEmail: null,
    tlsClientCertificateBoundAccessTokens: false,
    dpopBoundAccessTokens: false,
    certificates: [],
    accessTokenFormat: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
