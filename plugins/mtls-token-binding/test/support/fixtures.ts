/**
 * Shared by the mtls-token-binding and mtls-introspection tests: the deployment.toml blocks (WSO2
 * paste and Tessera names), certificates generated per test run, token calls over real TLS, and the
 * two places a binding shows: the JWT's `cnf` and the record the server stored.
 */
import { decodeJwt } from 'jose';
import { expect } from 'vitest';
import type { Confirmation } from '../../../../core/api/model.ts';
import { DEFAULT_SERVER } from '../../../../core/servers/server-context.ts';
import { call, type CallOptions, type CallResult } from '../../../../test/support/https-client.ts';
import { createSelfSigned, thumbprintOf, type Issued } from '../../../../test/support/pki.ts';
import type { TestServer } from '../../../../test/support/test-server.ts';

const WSO2_HANDLERS = 'org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.handlers';
const WSO2_INTROSPECTION = 'org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.introspection';

/** The grant handler blocks of the WSO2 guide, unchanged (plus the password handler Tessera adds). */
export const WSO2_GRANT_HANDLERS = `
[oauth.grant_type.authorization_code]
grant_handler = "${WSO2_HANDLERS}.MTLSTokenBindingAuthorizationCodeGrantHandler"

[oauth.grant_type.client_credentials]
grant_handler = "${WSO2_HANDLERS}.MTLSTokenBindingClientCredentialsGrantHandler"

[oauth.grant_type.refresh_token]
grant_handler = "${WSO2_HANDLERS}.MTLSTokenBindingRefreshGrantHandler"

[oauth.grant_type.password]
grant_handler = "${WSO2_HANDLERS}.MTLSTokenBindingPasswordGrantHandler"
`;

/** The same with Tessera's own names. */
export const TESSERA_GRANT_HANDLERS = `
[oauth.grant_type.authorization_code]
grant_handler = "tessera.mtls.binding.AuthorizationCodeGrantHandler"

[oauth.grant_type.client_credentials]
grant_handler = "tessera.mtls.binding.ClientCredentialsGrantHandler"

[oauth.grant_type.refresh_token]
grant_handler = "tessera.mtls.binding.RefreshTokenGrantHandler"

[oauth.grant_type.password]
grant_handler = "tessera.mtls.binding.PasswordGrantHandler"
`;

/** The introspection `[[event_listener]]` entries of the WSO2 guide, unchanged. */
export const WSO2_INTROSPECTION_LISTENERS = `
[[event_listener]]
id = "introspection_response_interceptor"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
name="${WSO2_INTROSPECTION}.IntrospectionResponseInterceptor"
order=27
enable=true

[[event_listener]]
id = "is_introspection_data_provider"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
name= "${WSO2_INTROSPECTION}.ISIntrospectionDataProvider"
order=28
enable=true
`;

export const WSO2 = { handlers: WSO2_HANDLERS, introspection: WSO2_INTROSPECTION };

export const SECRET = 'secret-0123456789abcdef';
export const REDIRECT_URI = 'https://client.example.com/callback';

/** A client's key pair and self-signed certificate (EC: fast to generate). */
export async function clientCertificate(cn: string): Promise<Issued> {
  return createSelfSigned({ subject: `CN=${cn},O=Tessera Tests`, keyAlg: 'EC' });
}

/** The WSO2 guide's header format: one line, `-----BEGIN CERTIFICATE-----<base64>-----END CERTIFICATE-----`. */
export function oneLinePem(issued: Issued): string {
  return issued.certPem.replace(/\r?\n/g, '');
}

export interface TokenCallOptions {
  /** Presented over TLS. */
  cert?: Issued;
  /** client_secret_basic. */
  basic?: [string, string];
  headers?: Record<string, string>;
}

export function tokenCall(server: TestServer, form: Record<string, string>, options: TokenCallOptions = {}): Promise<CallResult> {
  const call_: CallOptions = { form, headers: options.headers, basic: options.basic };
  if (options.cert) Object.assign(call_, { cert: options.cert.certPem, key: options.cert.keyPem });
  return call(`${server.url}/oauth2/token`, call_);
}

export function introspect(server: TestServer, token: string): Promise<CallResult> {
  return call(`${server.url}/oauth2/introspect`, { form: { token }, basic: ['admin', 'admin'] });
}

/** The confirmation the server stored for an active access token (`undefined`: not active). */
export async function storedConfirmation(server: TestServer, accessToken: string): Promise<Confirmation | null | undefined> {
  const context = await server.runtime.servers.resolve(DEFAULT_SERVER);
  const record = await server.runtime.tokens.findActiveAccessToken(context!, accessToken);
  return record ? record.confirmation : undefined;
}

/** The confirmation stored with a refresh token (`undefined`: unknown). */
export async function refreshConfirmation(server: TestServer, refreshToken: string): Promise<Confirmation | null | undefined> {
  const record = await server.runtime.tokens.findRefreshToken(DEFAULT_SERVER, refreshToken);
  return record ? record.confirmation : undefined;
}

export type Format = 'jwt' | 'opaque';

/** A 200 token response whose access token is bound to `issued` — in the JWT and in the store. */
export async function expectBound(server: TestServer, format: Format, response: CallResult, issued: Issued): Promise<void> {
  expect(response.status, response.text).toBe(200);
  const accessToken: string = response.json.access_token;
  const thumbprint = thumbprintOf(issued.der);
  if (format === 'jwt') {
    expect(decodeJwt(accessToken).cnf).toEqual({ 'x5t#S256': thumbprint });
  } else {
    expect(accessToken.split('.')).toHaveLength(1);
  }
  expect(await storedConfirmation(server, accessToken)).toEqual({ 'x5t#S256': thumbprint });
  // Never as a scope (WSO2's hidden scope leaks into responses).
  expect(String(response.json.scope ?? '')).not.toContain(thumbprint);
}

/** A 200 token response whose access token carries no confirmation. */
export async function expectUnbound(server: TestServer, format: Format, response: CallResult): Promise<void> {
  expect(response.status, response.text).toBe(200);
  const accessToken: string = response.json.access_token;
  if (format === 'jwt') expect(decodeJwt(accessToken)).not.toHaveProperty('cnf');
  expect(await storedConfirmation(server, accessToken)).toBeNull();
}

export function expectInvalidGrant(response: CallResult): void {
  expect(response.status, response.text).toBe(400);
  expect(response.json.error).toBe('invalid_grant');
}

export { thumbprintOf };
