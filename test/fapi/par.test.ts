/**
 * Pushed authorization requests (RFC 9126) on a server without a profile: the endpoint authenticates
 * the client as the token endpoint does and answers 201; /authorize takes the request_uri once, for
 * the pushing client only; `require_pushed_authorization_requests` per client and server-wide.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOAuthError } from '../oauth/oauth-helpers.ts';
import { authorize, pkcePair } from '../support/authorization-flow.ts';
import { call, closeClients } from '../support/https-client.ts';
import type { TestServer } from '../support/test-server.ts';
import { REDIRECT_URI, endpoints, fapiClient, fapiToken, mustRegister, push, startFapiTestServer, type Endpoints, type FapiClient } from './fapi-kit.ts';

let server: TestServer;
let ep: Endpoints;
let alice: FapiClient;
let bob: FapiClient;
let secretClient: { id: string; secret: string };

beforeAll(async () => {
  server = await startFapiTestServer('[limits]\npushed_request_max_bytes = 2048');
  ep = await endpoints(server, '');
  alice = await fapiClient(server, 'default', 'alice-app');
  bob = await fapiClient(server, 'default', 'bob-app');
  const created = await mustRegister(server, { client_id: 'secret-app', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], scopes: ['openid'] });
  secretClient = { id: 'secret-app', secret: created.client_secret as string };
});

afterAll(async () => {
  await closeClients();
  await server.dispose();
});

const request = (extra: Record<string, string> = {}) => ({ response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', state: 's1', code_challenge: pkcePair().challenge, code_challenge_method: 'S256', ...extra });

describe('the PAR endpoint', () => {
  it('is in discovery', async () => {
    const meta = (await call(`${server.url}/.well-known/openid-configuration`)).json;
    expect(meta.pushed_authorization_request_endpoint).toBe(`${meta.issuer}/oauth2/par`);
    expect(meta.require_pushed_authorization_requests).toBe(false);
  });

  it('answers 201 with a one-time request_uri and expires_in, no-store', async () => {
    const res = await push(ep, alice, request());
    expect(res.status, res.text).toBe(201);
    expect(res.json.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
    expect(res.json.expires_in).toBe(60);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('authenticates the client like the token endpoint: private_key_jwt, or a secret', async () => {
    expectOAuthError(await call(ep.par, { form: { client_id: 'alice-app', ...request() } }), 401, 'invalid_client');
    const bySecret = await call(ep.par, { form: request(), basic: [secretClient.id, secretClient.secret] });
    expect(bySecret.status, bySecret.text).toBe(201);
    expectOAuthError(await call(ep.par, { form: request(), basic: [secretClient.id, 'a-wrong-secret-of-enough-length'] }), 401, 'invalid_client');
  });

  it('validates the request as /authorize would, answering JSON', async () => {
    expectOAuthError(await push(ep, alice, request({ redirect_uri: 'https://evil.example.com/cb' })), 400, 'invalid_request');
    expectOAuthError(await push(ep, alice, request({ response_type: 'token' })), 400, 'unsupported_response_type');
    expectOAuthError(await push(ep, alice, request({ scope: 'openid admin-everything' })), 400, 'invalid_scope');
    expectOAuthError(await push(ep, alice, request({ request_uri: 'urn:ietf:params:oauth:request_uri:abc' })), 400, 'invalid_request');
  });

  it('bounds the size of what it stores', async () => {
    const res = await push(ep, alice, request({ state: 'x'.repeat(3000) }));
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.json.error_description).toMatch(/larger than 2048 bytes/);
  });
});

describe('/authorize with a request_uri', () => {
  it('runs the pushed request (sign-in, consent, code) and exchanges the code', async () => {
    const pkce = pkcePair();
    const pushed = await push(ep, alice, request({ code_challenge: pkce.challenge, state: 'pushed-state' }));
    const flow = await authorize(server.url, { clientId: 'alice-app', extra: { request_uri: pushed.json.request_uri } });
    expect(flow.code, flow.location).not.toBeNull();
    expect(flow.params.state).toBe('pushed-state');
    expect(flow.params.iss).toBe(ep.issuer);
    const token = await fapiToken(ep, alice, { grant_type: 'authorization_code', code: flow.code!, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier });
    expect(token.status, token.text).toBe(200);
  });

  it('accepts a request_uri once', async () => {
    const pushed = await push(ep, alice, request());
    const first = await authorize(server.url, { clientId: 'alice-app', extra: { request_uri: pushed.json.request_uri } });
    expect(first.code).not.toBeNull();
    const again = await call(`${ep.authorize}?client_id=alice-app&request_uri=${encodeURIComponent(pushed.json.request_uri)}`);
    expect(again.status).toBe(400);
    expect(again.text).toContain('invalid_request_uri');
    expect(again.headers.location).toBeUndefined();
  });

  it('accepts a request_uri only for the client that pushed it, and another client does not use it up', async () => {
    const pushed = await push(ep, alice, request());
    const stolen = await call(`${ep.authorize}?client_id=bob-app&request_uri=${encodeURIComponent(pushed.json.request_uri)}`);
    expect(stolen.status).toBe(400);
    expect(stolen.text).toContain('pushed by another client');
    expect(stolen.headers.location).toBeUndefined();
    const owner = await authorize(server.url, { clientId: 'alice-app', extra: { request_uri: pushed.json.request_uri } });
    expect(owner.code).not.toBeNull();
    void bob;
  });

  it('refuses an unknown request_uri', async () => {
    const res = await call(`${ep.authorize}?client_id=alice-app&request_uri=${encodeURIComponent('urn:ietf:params:oauth:request_uri:' + 'A'.repeat(43))}`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('invalid_request_uri');
  });
});

describe('require_pushed_authorization_requests', () => {
  it('per client: a plain /authorize of that client is refused back to it; other clients go on', async () => {
    await fapiClient(server, 'default', 'par-only', { require_pushed_authorization_requests: true });
    const plain = await authorize(server.url, { clientId: 'par-only', pkce: true, state: 'p' });
    expect(plain.code).toBeNull();
    expect(plain.params).toMatchObject({ error: 'invalid_request', state: 'p', iss: ep.issuer });
    expect(plain.params.error_description).toMatch(/pushed authorization requests/);
    const other = await authorize(server.url, { clientId: 'alice-app', pkce: true });
    expect(other.code).not.toBeNull();
  });

  it('server-wide with [oauth] require_pushed_authorization_requests', async () => {
    const strict = await startFapiTestServer('[oauth]\nrequire_pushed_authorization_requests = true');
    try {
      const meta = (await call(`${strict.url}/.well-known/openid-configuration`)).json;
      expect(meta.require_pushed_authorization_requests).toBe(true);
      await fapiClient(strict, 'default', 'any-app');
      const plain = await authorize(strict.url, { clientId: 'any-app', pkce: true });
      expect(plain.params.error).toBe('invalid_request');
    } finally {
      await strict.dispose();
    }
  });
});
