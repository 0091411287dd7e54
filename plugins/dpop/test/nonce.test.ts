/**
 * RFC 9449 §8 server nonces. Over real HTTPS with `require_nonce`: a proof without the nonce is
 * 400 use_dpop_nonce (token endpoint) or 401 with a DPoP challenge (userinfo), both with a
 * `DPoP-Nonce` to retry with; two nodes sharing `nonce_secret` accept each other's nonces (nothing
 * stored). The nonce issuer's slots under an injected clock, and the settings checks, directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients, type CallResult } from '../../../test/support/https-client.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { createUser } from '../../../test/oauth/oauth-helpers.ts';
import { NonceIssuer } from '../src/nonce.ts';
import { readDpopSettings } from '../src/settings.ts';
import { DPOP_TOML, at, dpopKey, endpoints, proof, type DpopKey, type Endpoints } from './support/dpop-fixtures.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const NONCE_TOML = `${DPOP_TOML}
[plugins.dpop]
require_nonce = true
nonce_secret = "shared-by-every-node-0123456789abcdef"
`;
const ada = { username: 'ada', password: 'ada-Passw0rd-for-tests' };

describe('server nonces over HTTPS', () => {
  let nodeA: TestServer;
  let nodeB: TestServer;
  let epA: Endpoints;
  let epB: Endpoints;
  let key: DpopKey;

  beforeAll(async () => {
    [nodeA, nodeB] = await Promise.all([startTestServer({ toml: NONCE_TOML }), startTestServer({ toml: NONCE_TOML })]);
    for (const node of [nodeA, nodeB]) {
      await node.createClient({ clientId: 'app', secret: SECRET });
      await createUser(node, ada.username, ada.password);
    }
    [epA, epB] = await Promise.all([endpoints(nodeA), endpoints(nodeB)]);
    key = await dpopKey();
  });
  afterAll(async () => {
    await closeClients();
    await Promise.all([nodeA.dispose(), nodeB.dispose()]);
  });

  const token = async (node: TestServer, ep: Endpoints, nonce?: string): Promise<CallResult> =>
    call(at(node, ep.token), {
      form: { grant_type: 'password', ...ada, scope: 'openid' },
      basic: ['app', SECRET],
      headers: { DPoP: await proof(key, { htu: ep.token, nonce }) },
    });

  it('asks for a nonce at the token endpoint, then issues with it and hands out the next', async () => {
    const first = await token(nodeA, epA);
    expect(first.status, first.text).toBe(400);
    expect(first.json.error).toBe('use_dpop_nonce');
    const nonce = String(first.headers['dpop-nonce']);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const second = await token(nodeA, epA, nonce);
    expect(second.status, second.text).toBe(200);
    expect(second.json.token_type).toBe('DPoP');
    // The nonce to use next (the same until its slot turns).
    expect(String(second.headers['dpop-nonce'])).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const forged = await token(nodeA, epA, 'A'.repeat(43));
    expect(forged.json.error).toBe('use_dpop_nonce');
  });

  it('accepts a nonce from another node with the same nonce_secret', async () => {
    const nonce = String((await token(nodeA, epA)).headers['dpop-nonce']);
    const result = await token(nodeB, epB, nonce);
    expect(result.status, result.text).toBe(200);
  });

  it('asks for a nonce at userinfo with 401 and a DPoP challenge', async () => {
    const nonce = String((await token(nodeA, epA)).headers['dpop-nonce']);
    const accessToken = (await token(nodeA, epA, nonce)).json.access_token as string;
    const without = await call(at(nodeA, epA.userinfo), {
      headers: { authorization: `DPoP ${accessToken}`, DPoP: await proof(key, { htm: 'GET', htu: epA.userinfo, accessToken }) },
    });
    expect(without.status, without.text).toBe(401);
    expect(String(without.headers['www-authenticate'])).toMatch(/^DPoP error="use_dpop_nonce"/);
    expect(String(without.headers['dpop-nonce'])).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const withNonce = await call(at(nodeA, epA.userinfo), {
      headers: { authorization: `DPoP ${accessToken}`, DPoP: await proof(key, { htm: 'GET', htu: epA.userinfo, accessToken, nonce }) },
    });
    expect(withNonce.status, withNonce.text).toBe(200);
  });
});

describe('NonceIssuer', () => {
  const server = { tenantId: 'default', serverId: 'default' };
  const secret = new TextEncoder().encode('x'.repeat(32));

  it('accepts a nonce in its slot and the next, not later; per server and per secret', () => {
    let now = 1_000_000;
    const issuer = new NonceIssuer(secret, 60, () => now);
    const nonce = issuer.current(server);
    expect(issuer.isValid(server, nonce)).toBe(true);
    now += 60;
    expect(issuer.isValid(server, nonce)).toBe(true);
    expect(issuer.current(server)).not.toBe(nonce);
    now += 60;
    expect(issuer.isValid(server, nonce)).toBe(false);
    now -= 120;
    expect(issuer.isValid({ tenantId: 'default', serverId: 'other' }, nonce)).toBe(false);
    expect(new NonceIssuer(new TextEncoder().encode('y'.repeat(32)), 60, () => now).isValid(server, nonce)).toBe(false);
    expect(issuer.isValid(server, 'short')).toBe(false);
  });
});

describe('[plugins.dpop] settings', () => {
  const logger = { debug() {}, info() {}, warn() {}, error() {} };

  it('defaults to asymmetric algorithms, a 60 s window and no nonces', () => {
    const settings = readDpopSettings({}, logger);
    expect(settings.requireNonce).toBe(false);
    expect(settings.proofMaxAgeSeconds).toBe(60);
    expect(settings.signingAlgs).toContain('ES256');
  });

  it.each([
    [{ signing_algs: ['HS256'] }, /signing_algs/],
    [{ signing_algs: ['none'] }, /signing_algs/],
    [{ signing_algs: [] }, /signing_algs/],
    [{ require_nonce: 'yes' }, /require_nonce/],
    [{ nonce_secret: 'short' }, /nonce_secret/],
    [{ proof_max_age_seconds: 0 }, /proof_max_age_seconds/],
    [{ require_nonces: true }, /unknown setting/],
  ])('refuses %j', (raw, message) => {
    expect(() => readDpopSettings(raw, logger)).toThrow(message);
  });
});
