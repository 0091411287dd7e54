/**
 * The shipped deployment.toml enables the private_key_jwt bundle next to the mTLS ones, and that
 * changes nothing for clients that do not register for it: secret clients and WSO2-flow clients
 * authenticate as before, and an assertion is no way in for them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { expectOAuthError } from '../oauth/oauth-helpers.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { JWT_BEARER, assertion, keyPair, mustRegister } from './fapi-kit.ts';

let server: TestServer;
let issuer: string;
let tokenEndpoint: string;

beforeAll(async () => {
  // The shipped file as it is, on an ephemeral port.
  const shipped = readFileSync(join(PROJECT_ROOT, 'deployment.toml'), 'utf8').replace(/^port = 9443$/m, 'port = 0');
  expect(shipped).toContain('name = "tessera.jwt.PrivateKeyJWTClientAuthenticator"');
  server = await startTestServer({ toml: shipped, mount: adminRoutes });
  const meta = (await call(`${server.url}/.well-known/openid-configuration`)).json;
  issuer = meta.issuer;
  tokenEndpoint = meta.token_endpoint;
});

afterAll(async () => {
  await closeClients();
  await server.dispose();
});

describe('the shipped deployment.toml', () => {
  it('enables private_key_jwt and client_secret_jwt next to the mTLS methods and PAR', async () => {
    const meta = (await call(`${server.url}/.well-known/openid-configuration`)).json;
    expect(meta.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'tls_client_auth', 'self_signed_tls_client_auth', 'private_key_jwt', 'client_secret_jwt']));
    expect(meta.pushed_authorization_request_endpoint).toBe(`${issuer}/oauth2/par`);
    expect(meta.require_pushed_authorization_requests).toBe(false);
  });

  it('authenticates a private_key_jwt client', async () => {
    const key = await keyPair('ES256');
    await mustRegister(server, { client_id: 'jwt-client', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, grant_types: ['client_credentials'] });
    const res = await call(tokenEndpoint, { form: { grant_type: 'client_credentials', client_id: 'jwt-client', client_assertion_type: JWT_BEARER, client_assertion: await assertion('jwt-client', issuer, key) } });
    expect(res.status, res.text).toBe(200);
  });

  it('changes nothing for a secret client or a WSO2-flow client, and an assertion does not stand in for them', async () => {
    const basic = await mustRegister(server, { client_id: 'secret-client', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    const wso2 = await mustRegister(server, { client_id: 'wso2-client', grant_types: ['client_credentials'] });
    expect((await call(tokenEndpoint, { form: { grant_type: 'client_credentials' }, basic: ['secret-client', basic.client_secret as string] })).status).toBe(200);
    expect((await call(tokenEndpoint, { form: { grant_type: 'client_credentials', client_id: 'wso2-client', client_secret: wso2.client_secret as string } })).status).toBe(200);
    const key = await keyPair('ES256');
    for (const clientId of ['secret-client', 'wso2-client']) {
      const res = await call(tokenEndpoint, { form: { grant_type: 'client_credentials', client_id: clientId, client_assertion_type: JWT_BEARER, client_assertion: await assertion(clientId, issuer, key) } });
      expectOAuthError(res, 401, 'invalid_client');
    }
  });
});
