/**
 * RFC 9449 §7 at userinfo over real HTTPS: a DPoP-bound token works as `Authorization: DPoP` with a
 * proof by its key carrying `ath`; as Bearer, with another key, with a wrong `ath`, a replayed proof
 * or a proof for another URL it is 401 with a DPoP challenge; an unbound token is refused under the
 * DPoP scheme and still works as Bearer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients, type CallResult } from '../../../test/support/https-client.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { createUser } from '../../../test/oauth/oauth-helpers.ts';
import { DPOP_TOML, at, dpopKey, endpoints, proof, type DpopKey, type Endpoints } from './support/dpop-fixtures.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const ada = { username: 'ada', password: 'ada-Passw0rd-for-tests' };

let server: TestServer;
let ep: Endpoints;
let userinfoUrl: string;
let key: DpopKey;
let otherKey: DpopKey;

beforeAll(async () => {
  server = await startTestServer({ toml: DPOP_TOML });
  await server.createClient({ clientId: 'app', secret: SECRET });
  await createUser(server, ada.username, ada.password);
  ep = await endpoints(server);
  userinfoUrl = at(server, ep.userinfo);
  [key, otherKey] = await Promise.all([dpopKey('ES256'), dpopKey('ES256')]);
});
afterAll(async () => {
  await closeClients();
  await server.dispose();
});

async function boundToken(bindTo: DpopKey | null): Promise<string> {
  const headers: Record<string, string> = bindTo ? { DPoP: await proof(bindTo, { htu: ep.token }) } : {};
  const result = await call(at(server, ep.token), { form: { grant_type: 'password', ...ada, scope: 'openid' }, basic: ['app', SECRET], headers });
  expect(result.status, result.text).toBe(200);
  expect(result.json.token_type).toBe(bindTo ? 'DPoP' : 'Bearer');
  return result.json.access_token;
}

function userinfo(token: string, dpop?: string, scheme = 'DPoP', method = 'GET'): Promise<CallResult> {
  return call(userinfoUrl, { method, headers: { authorization: `${scheme} ${token}`, ...(dpop !== undefined ? { DPoP: dpop } : {}) } });
}

function expectDpopRefusal(result: CallResult, error: string) {
  expect(result.status, result.text).toBe(401);
  expect(result.json.error).toBe(error);
  const challenge = String(result.headers['www-authenticate']);
  expect(challenge).toMatch(new RegExp(`^DPoP error="${error}"`));
  expect(challenge).toMatch(/algs="[^"]*ES256[^"]*"/);
}

describe('userinfo with DPoP-bound tokens', () => {
  it('answers for Authorization: DPoP with a proof by the token key (GET and POST)', async () => {
    const token = await boundToken(key);
    const get = await userinfo(token, await proof(key, { htm: 'GET', htu: ep.userinfo, accessToken: token }));
    expect(get.status, get.text).toBe(200);
    expect(get.json.sub).toBe('ada');
    const post = await userinfo(token, await proof(key, { htm: 'POST', htu: ep.userinfo, accessToken: token }), 'dpop', 'POST');
    expect(post.status, post.text).toBe(200);
  });

  it('refuses the token as Bearer: 401 invalid_token with a DPoP challenge', async () => {
    const token = await boundToken(key);
    expectDpopRefusal(await call(userinfoUrl, { bearer: token }), 'invalid_token');
    // Also with a proof alongside: the scheme says Bearer.
    expectDpopRefusal(await userinfo(token, await proof(key, { htm: 'GET', htu: ep.userinfo, accessToken: token }), 'Bearer'), 'invalid_token');
    // And as a form-body access_token (RFC 6750 §2.2).
    const form = await call(userinfoUrl, { form: { access_token: token } });
    expectDpopRefusal(form, 'invalid_token');
  });

  it('refuses a proof by another key', async () => {
    const token = await boundToken(key);
    expectDpopRefusal(await userinfo(token, await proof(otherKey, { htm: 'GET', htu: ep.userinfo, accessToken: token })), 'invalid_token');
  });

  it('refuses a proof whose ath is not the hash of the token', async () => {
    const token = await boundToken(key);
    const other = await boundToken(key);
    expectDpopRefusal(await userinfo(token, await proof(key, { htm: 'GET', htu: ep.userinfo, accessToken: other })), 'invalid_dpop_proof');
    expectDpopRefusal(await userinfo(token, await proof(key, { htm: 'GET', htu: ep.userinfo })), 'invalid_dpop_proof');
  });

  it('refuses no proof, a replayed proof, and a proof for another URL or method', async () => {
    const token = await boundToken(key);
    expectDpopRefusal(await userinfo(token), 'invalid_dpop_proof');
    const once = await proof(key, { htm: 'GET', htu: ep.userinfo, accessToken: token });
    expect((await userinfo(token, once)).status).toBe(200);
    expectDpopRefusal(await userinfo(token, once), 'invalid_dpop_proof');
    expectDpopRefusal(await userinfo(token, await proof(key, { htm: 'GET', htu: ep.token, accessToken: token })), 'invalid_dpop_proof');
    expectDpopRefusal(await userinfo(token, await proof(key, { htm: 'POST', htu: ep.userinfo, accessToken: token })), 'invalid_dpop_proof');
  });

  it('refuses an unbound token under the DPoP scheme; it still works as Bearer', async () => {
    const token = await boundToken(null);
    expectDpopRefusal(await userinfo(token, await proof(key, { htm: 'GET', htu: ep.userinfo, accessToken: token })), 'invalid_token');
    expect((await call(userinfoUrl, { bearer: token })).status).toBe(200);
  });
});

describe('without the bundle', () => {
  it('refuses the DPoP scheme, and a DPoP-bound token fails closed', async () => {
    const plain = await startTestServer();
    try {
      await plain.createClient({ clientId: 'app', secret: SECRET });
      await createUser(plain, ada.username, ada.password);
      expect((await endpoints(plain)).metadata.dpop_signing_alg_values_supported).toBeUndefined();
      const result = await call(`${plain.url}/oauth2/userinfo`, { headers: { authorization: 'DPoP abc' } });
      expect(result.status).toBe(401);
      expect(result.json.error).toBe('invalid_token');
      // A token bound by jkt (written as if the bundle had been on before) is refused: nothing here verifies jkt.
      const context = await plain.runtime.servers.resolve({ tenantId: 'default', serverId: 'default' });
      const { token } = await plain.runtime.tokens.issueAccessToken({
        server: context!,
        client: (await plain.runtime.store.clients.get(context!, 'app'))!,
        subject: 'ada',
        username: 'ada',
        scopes: ['openid'],
        confirmation: { jkt: key.jkt },
        grantId: null,
      });
      const refused = await call(`${plain.url}/oauth2/userinfo`, { bearer: token });
      expect(refused.status).toBe(401);
      expect(refused.json.error).toBe('invalid_token');
    } finally {
      await plain.dispose();
    }
  });
});
