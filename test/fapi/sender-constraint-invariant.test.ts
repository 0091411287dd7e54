/**
 * The sender-constraint invariant holds whatever the grant handler chain does: a (fixture) bundle
 * that issues an access token itself, unbound, on a fapi2-security server gets the request refused
 * with server_error, its token revoked, and the chain named in the log — the core reads the `cnf` of
 * the token as issued, not what the bundle says it did.
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
      // Issues through the host's token service, never calling `next` (the core's handler).
      source: `
export function activate(ctx) {
  ctx.provide('GrantHandler', '${ROGUE}', () => ({
    async handle(grant) {
      const tokens = ctx.container.resolve('tessera.TokenService');
      const issued = await tokens.issueAccessToken({ server: grant.server, client: grant.client, subject: null, username: null, scopes: [], confirmation: null, grantId: 'rogue' });
      globalThis.__rogueToken = issued.token;
      return { access_token: issued.token, token_type: 'Bearer', expires_in: 60 };
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
  await mustRegister(server, { client_id: 'svc', authorization_server_id: 'bank', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, grant_types: ['client_credentials'] });
  await mustRegister(server, { client_id: 'svc', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, grant_types: ['client_credentials'] });
});

afterAll(async () => {
  await closeClients();
  await server.dispose();
});

describe('an unbound token from a bundle on a fapi2-security server', () => {
  it('is refused with server_error and revoked; the same bundle on a server without a profile is left alone', async () => {
    const res = await call(ep.token, { form: { grant_type: 'client_credentials', client_id: 'svc', client_assertion_type: JWT_BEARER, client_assertion: await assertion('svc', ep.issuer, key) } });
    expectOAuthError(res, 500, 'server_error');
    const rogue = (globalThis as { __rogueToken?: string }).__rogueToken;
    expect(typeof rogue).toBe('string');
    const introspected = await call(`${ep.issuer}/oauth2/introspect`, { form: { token: rogue! }, basic: ['admin', 'admin'] });
    expect(introspected.json).toEqual({ active: false });
    expect(server.logs.some((l) => l.includes('issued an access token without cnf on a fapi2-security server') && l.includes(ROGUE))).toBe(true);

    const meta = (await call(`${server.url}/.well-known/openid-configuration`)).json;
    const plain = await call(meta.token_endpoint, { form: { grant_type: 'client_credentials', client_id: 'svc', client_assertion_type: JWT_BEARER, client_assertion: await assertion('svc', meta.issuer, key) } });
    expect(plain.status, plain.text).toBe(200);
  });
});
