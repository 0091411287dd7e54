/**
 * Interoperability: openid-client v6 (an independent RP library) drives DPoP against the real server
 * over HTTPS — discovery, client_credentials, password and refresh with its DPoP handle, userinfo with
 * `Authorization: DPoP`, introspection showing the key's thumbprint; and its automatic
 * `use_dpop_nonce` retry against a server that requires nonces.
 */
import { calculateJwkThumbprint, exportJWK } from 'jose';
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients } from '../../../test/support/https-client.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { createUser } from '../../../test/oauth/oauth-helpers.ts';
import { DPOP_TOML } from './support/dpop-fixtures.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const ada = { username: 'ada', password: 'ada-Passw0rd-for-tests' };
// The test server's certificate is self-signed (curl -k in the guides).
const agent = new Agent({ connect: { rejectUnauthorized: false } });
const insecureFetch = ((url: string, options: Record<string, unknown>) => undiciFetch(url, { ...options, dispatcher: agent } as never)) as unknown as client.CustomFetch;

async function configure(server: TestServer, clientId: string, auth: client.ClientAuth): Promise<client.Configuration> {
  const config = await client.discovery(new URL(server.running.baseUrl), clientId, undefined, auth, { [client.customFetch]: insecureFetch });
  config[client.customFetch] = insecureFetch;
  return config;
}

async function jktOf(keyPair: CryptoKeyPair): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(keyPair.publicKey), 'sha256');
}

afterAll(async () => {
  await closeClients();
  await agent.close();
});

describe('openid-client with DPoP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ toml: `[oauth]\naccess_token_format = "jwt"\n${DPOP_TOML}` });
    await server.createClient({ clientId: 'app', secret: SECRET });
    await server.createClient({ clientId: 'public-app', tokenEndpointAuthMethod: 'none', grantTypes: ['password', 'refresh_token'] });
    await createUser(server, ada.username, ada.password);
  });
  afterAll(() => server.dispose());

  it('client_credentials with a DPoP handle gets a DPoP token that introspects with cnf.jkt', async () => {
    const config = await configure(server, 'app', client.ClientSecretBasic(SECRET));
    const keyPair = await client.randomDPoPKeyPair('ES256');
    const tokens = await client.clientCredentialsGrant(config, {}, { DPoP: client.getDPoPHandle(config, keyPair) });
    expect(tokens.token_type).toBe('dpop');
    const introspected = await client.tokenIntrospection(config, tokens.access_token);
    expect(introspected.active).toBe(true);
    expect(introspected.cnf).toEqual({ jkt: await jktOf(keyPair) });
  });

  it('a public client: password, userinfo and refresh with its DPoP key; another key cannot refresh', async () => {
    const config = await configure(server, 'public-app', client.None());
    const keyPair = await client.randomDPoPKeyPair('ES256');
    const DPoP = client.getDPoPHandle(config, keyPair);
    const tokens = await client.genericGrantRequest(config, 'password', { ...ada, scope: 'openid' }, { DPoP });
    expect(tokens.token_type).toBe('dpop');
    expect(tokens.refresh_token).toBeDefined();

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, 'ada', { DPoP });
    expect(userinfo.preferred_username).toBe('ada');

    const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!, {}, { DPoP: thief })).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.fetchUserInfo(config, tokens.access_token, 'ada', { DPoP: thief })).rejects.toThrow();

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, {}, { DPoP });
    expect(refreshed.token_type).toBe('dpop');
    expect((await client.fetchUserInfo(config, refreshed.access_token, 'ada', { DPoP })).sub).toBe('ada');
  });
});

describe('openid-client and server nonces', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ toml: `${DPOP_TOML}\n[plugins.dpop]\nrequire_nonce = true\nnonce_secret = "interop-nonce-secret-0123456789abcdef"\n` });
    await server.createClient({ clientId: 'app', secret: SECRET });
  });
  afterAll(() => server.dispose());

  it('retries with the DPoP-Nonce the server asked for, and gets its token', async () => {
    const config = await configure(server, 'app', client.ClientSecretBasic(SECRET));
    const tokens = await client.clientCredentialsGrant(config, {}, { DPoP: client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256')) });
    expect(tokens.token_type).toBe('dpop');
    // The first attempt was refused for want of a nonce: the library retried with the server's.
    expect(server.logs.filter((line) => line.includes('"error":"use_dpop_nonce"'))).toHaveLength(1);
  });
});
