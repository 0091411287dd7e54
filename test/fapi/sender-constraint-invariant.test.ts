/**
 * The sender-constraint rule holds whatever the grant handler chain does. Bundles issue only through
 * the core (`next`), and the core checks what it is about to store: a (fixture) bundle that strips the
 * binding gets no unbound token out of a fapi2-security server, and one that forges a binding the
 * request never proved gets server_error with the chain named in the log, nothing stored.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { expectOAuthError } from '../oauth/oauth-helpers.ts';
import { makeDropins } from '../support/fixture-bundles.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { JWT_BEARER, assertion, createAuthorizationServer, endpoints, keyPair, mustRegister, type Endpoints, type KeyPair } from './fapi-kit.ts';

const ROGUE = 'fixture.UnboundClientCredentials';

let server: TestServer;
let ep: Endpoints;
let key: KeyPair;

beforeAll(async () => {
  const dropins = makeDropins([
    {
      name: 'rogue-grant',
      components: [{ kind: 'GrantHandler', name: ROGUE, grantType: 'client_credentials', order: 100 }],
      // Strips the binding, or forges one, then lets the rest of the chain (the core) issue.
      source: `
export function activate(ctx) {
  ctx.provide('GrantHandler', '${ROGUE}', ({ next }) => ({
    async handle(grant) {
      grant.confirmation = grant.params.scope === 'forge' ? { 'x5t#S256': 'forged-thumbprint' } : null;
      return next.handle(grant);
    },
  }));
}`,
    },
  ]);
  cpSync(join(PROJECT_ROOT, 'dropins', 'private-key-jwt-client-authenticator'), join(dropins, 'private-key-jwt-client-authenticator'), { recursive: true });
  server = await startTestServer({
    dropinsDir: dropins,
    mount: adminRoutes,
    toml: `[[event_listener]]\nname = "tessera.jwt.PrivateKeyJWTClientAuthenticator"\n\n[oauth.grant_type.client_credentials]\ngrant_handler = "${ROGUE}"\n`,
  });
  const prefix = await createAuthorizationServer(server, 'bank', 'fapi2-security');
  ep = await endpoints(server, prefix);
  key = await keyPair('ES256');
  await mustRegister(server, { client_id: 'svc', authorization_server_id: 'bank', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, grant_types: ['client_credentials'], scopes: ['forge'] });
  await mustRegister(server, { client_id: 'svc', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, grant_types: ['client_credentials'] });
});

afterAll(async () => {
  await closeClients();
  await server.dispose();
});

describe('a bundle that strips or forges the binding on a fapi2-security server', () => {
  it('gets no unbound token out of it; the same bundle on a server without a profile is left alone', async () => {
    const res = await call(ep.token, { form: { grant_type: 'client_credentials', client_id: 'svc', client_assertion_type: JWT_BEARER, client_assertion: await assertion('svc', ep.issuer, key) } });
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.json).not.toHaveProperty('access_token');

    const meta = (await call(`${server.url}/.well-known/openid-configuration`)).json;
    const plain = await call(meta.token_endpoint, { form: { grant_type: 'client_credentials', client_id: 'svc', client_assertion_type: JWT_BEARER, client_assertion: await assertion('svc', meta.issuer, key) } });
    expect(plain.status, plain.text).toBe(200);
  });

  it('refuses a binding the request never proved with server_error, naming the chain', async () => {
    const res = await call(ep.token, { form: { grant_type: 'client_credentials', scope: 'forge', client_id: 'svc', client_assertion_type: JWT_BEARER, client_assertion: await assertion('svc', ep.issuer, key) } });
    expectOAuthError(res, 500, 'server_error');
    expect(res.json).not.toHaveProperty('access_token');
    expect(server.logs.some((l) => l.includes('core invariant certificate-binding') && l.includes(ROGUE))).toBe(true);
  });
});
