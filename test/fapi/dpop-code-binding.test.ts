/**
 * RFC 9449 §10: an authorization code bound to a DPoP key, over real HTTPS as curl would send it —
 * by a DPoP proof sent with the pushed authorization request (§10.1, what openid-client does), or by
 * `dpop_jkt` at PAR or /authorize. The token endpoint redeems a bound code only with a proof by that
 * key; a push whose `dpop_jkt` and proof disagree, a proof for another URL or replayed, a malformed `dpop_jkt` are
 * refused with RFC 9449 / RFC 6749 errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DPOP_TOML, dpopKey, proof, type DpopKey } from '../../plugins/dpop/test/support/dpop-fixtures.ts';
import { authorize, pkcePair } from '../support/authorization-flow.ts';
import { call, closeClients, type CallResult } from '../support/https-client.ts';
import type { TestServer } from '../support/test-server.ts';
import { JWT_BEARER, REDIRECT_URI, assertion, createAuthorizationServer, createUser, endpoints, fapiClient, startFapiTestServer, type Endpoints, type FapiClient } from './fapi-kit.ts';

const USER = { username: 'kim', password: 'kim-password-123' };
const DPOP_CLIENT = { tls_client_certificate_bound_access_tokens: false, dpop_bound_access_tokens: true };
let server: TestServer;
let fapi: { prefix: string; ep: Endpoints; app: FapiClient };
let plain: { prefix: string; ep: Endpoints; app: FapiClient };
let keyA: DpopKey;
let keyB: DpopKey;

beforeAll(async () => {
  server = await startFapiTestServer(DPOP_TOML);
  keyA = await dpopKey('ES256');
  keyB = await dpopKey('ES256');
  for (const [id, profile] of [['bank', 'fapi2-security'], ['shop', 'none']] as const) {
    const prefix = await createAuthorizationServer(server, id, profile);
    await createUser(server, id, USER.username, USER.password);
    const entry = { prefix, ep: await endpoints(server, prefix), app: await fapiClient(server, id, `${id}-app`, DPOP_CLIENT) };
    if (id === 'bank') fapi = entry;
    else plain = entry;
  }
});

afterAll(async () => {
  await closeClients();
  await server.dispose();
});

async function clientAuth(ep: Endpoints, app: FapiClient): Promise<Record<string, string>> {
  return { client_id: app.clientId, client_assertion_type: JWT_BEARER, client_assertion: await assertion(app.clientId, ep.issuer, app.key) };
}

/** `curl -H "DPoP: ..." -d ... {par}`, no client certificate. */
async function push(params: Record<string, string>, dpop?: string): Promise<CallResult & { verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const res = await call(fapi.ep.par, {
    form: { ...(await clientAuth(fapi.ep, fapi.app)), response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', ...params },
    headers: dpop ? { dpop } : {},
  });
  return { ...res, verifier };
}

/** A pushed request, then sign-in and consent: the code and its verifier. */
async function codeFor(params: Record<string, string>, dpop?: string): Promise<{ code: string; verifier: string }> {
  const pushed = await push(params, dpop);
  expect(pushed.status, pushed.text).toBe(201);
  const flow = await authorize(server.url, { clientId: fapi.app.clientId, endpointPath: `${fapi.prefix}/oauth2`, ...USER, extra: { request_uri: pushed.json.request_uri } });
  expect(flow.code, flow.location).not.toBeNull();
  return { code: flow.code!, verifier: pushed.verifier };
}

async function redeem(on: typeof fapi, code: string, verifier: string, key: DpopKey | null): Promise<CallResult> {
  return call(on.ep.token, {
    form: { ...(await clientAuth(on.ep, on.app)), grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI },
    headers: key ? { dpop: await proof(key, { htu: on.ep.token }) } : {},
  });
}

describe('a DPoP proof at PAR binds the authorization code (RFC 9449 §10.1)', () => {
  it('the code is redeemed only with a proof by the key that proved itself at PAR', async () => {
    const stolen = await codeFor({}, await proof(keyA, { htu: fapi.ep.par }));
    const refused = await redeem(fapi, stolen.code, stolen.verifier, keyB);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.json).toMatchObject({ error: 'invalid_grant' });
    expect(refused.json.error_description).toMatch(/dpop_jkt|DPoP proof key/);

    const mine = await codeFor({}, await proof(keyA, { htu: fapi.ep.par }));
    const ok = await redeem(fapi, mine.code, mine.verifier, keyA);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.token_type).toBe('DPoP');
  });

  it('a proof at PAR for another URL (the token endpoint) is refused: invalid_dpop_proof', async () => {
    const res = await push({}, await proof(keyA, { htu: fapi.ep.token }));
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toBe('invalid_dpop_proof');
    expect(res.json.error_description).toMatch(/htu/);
  });

  it('a proof replayed at PAR is refused: invalid_dpop_proof', async () => {
    const once = await proof(keyA, { htu: fapi.ep.par });
    expect((await push({}, once)).status).toBe(201);
    const again = await push({}, once);
    expect(again.status, again.text).toBe(400);
    expect(again.json.error).toBe('invalid_dpop_proof');
  });

  it('dpop_jkt naming another key than the proof at PAR is refused: invalid_request', async () => {
    const res = await push({ dpop_jkt: keyB.jkt }, await proof(keyA, { htu: fapi.ep.par }));
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toBe('invalid_request');
    expect(res.json.error_description).toMatch(/dpop_jkt/);
    // Both naming the same key is fine.
    expect((await push({ dpop_jkt: keyA.jkt }, await proof(keyA, { htu: fapi.ep.par }))).status).toBe(201);
  });
});

describe('dpop_jkt binds the authorization code (RFC 9449 §10)', () => {
  it('pushed without a proof: only a proof by that key redeems the code', async () => {
    const stolen = await codeFor({ dpop_jkt: keyA.jkt });
    const refused = await redeem(fapi, stolen.code, stolen.verifier, keyB);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.json.error).toBe('invalid_grant');

    const mine = await codeFor({ dpop_jkt: keyA.jkt });
    const ok = await redeem(fapi, mine.code, mine.verifier, keyA);
    expect(ok.status, ok.text).toBe(200);
  });

  it('a malformed dpop_jkt is refused at PAR: invalid_request', async () => {
    for (const value of ['', 'short', `${keyA.jkt}=`, keyA.jkt.replace(/.$/, '+')]) {
      const res = await push({ dpop_jkt: value });
      expect(res.status, value).toBe(400);
      expect(res.json.error).toBe('invalid_request');
      expect(res.json.error_description).toMatch(/dpop_jkt/);
    }
  });

  it('on a server without a profile, dpop_jkt at a plain /authorize binds the code too', async () => {
    const flow = async () => {
      const result = await authorize(server.url, { clientId: plain.app.clientId, endpointPath: `${plain.prefix}/oauth2`, ...USER, scope: 'openid', pkce: true, extra: { dpop_jkt: keyA.jkt } });
      expect(result.code, result.location).not.toBeNull();
      return result;
    };
    const first = await flow();
    // This client must send DPoP anyway (dpop_bound_access_tokens); another key's proof is refused by the binding.
    const refused = await redeem(plain, first.code!, first.codeVerifier!, keyB);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.json.error).toBe('invalid_grant');

    const second = await flow();
    const ok = await redeem(plain, second.code!, second.codeVerifier!, keyA);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.token_type).toBe('DPoP');
  });
});

describe('DPoP algorithms on a fapi2-security server (FAPI 2.0 §5.4.1)', () => {
  it('advertises and accepts only PS256, ES256 and EdDSA proofs; a server without a profile takes RS256', async () => {
    const meta = async (prefix: string) => (await call(`${server.url}${prefix}/.well-known/openid-configuration`)).json;
    expect((await meta(fapi.prefix)).dpop_signing_alg_values_supported.every((a: string) => ['PS256', 'ES256', 'EdDSA'].includes(a))).toBe(true);
    expect((await meta(plain.prefix)).dpop_signing_alg_values_supported).toContain('RS256');

    const rsa = await dpopKey('RS256');
    const refused = await push({}, await proof(rsa, { htu: fapi.ep.par }));
    expect(refused.status, refused.text).toBe(400);
    expect(refused.json).toMatchObject({ error: 'invalid_dpop_proof' });
    expect(refused.json.error_description).toContain('PS256');

    const accepted = await push({}, await proof(await dpopKey('PS256'), { htu: fapi.ep.par }));
    expect(accepted.status, accepted.text).toBe(201);
  });
});
