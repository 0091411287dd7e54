/**
 * What PAR and private_key_jwt remember is stored, so every node of a cluster agrees: two Tessera
 * nodes sharing one PostgreSQL schema (separate servers over HTTPS, as behind a load balancer) — a
 * request pushed to one is redeemed at the other, once; an assertion used at one is a replay at the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOAuthError } from '../oauth/oauth-helpers.ts';
import { dropSchema, postgresToml, uniqueSchema } from '../support/postgres.ts';
import { authorize, pkcePair } from '../support/authorization-flow.ts';
import { call, closeClients } from '../support/https-client.ts';
import type { TestServer } from '../support/test-server.ts';
import { JWT_BEARER, REDIRECT_URI, assertion, fapiClient, push, startFapiTestServer, type Endpoints, type FapiClient } from './fapi-kit.ts';

const schema = uniqueSchema('fapi_cluster');
let a: TestServer;
let b: TestServer;
let epA: Endpoints;
let epB: Endpoints;
let app: FapiClient;

/** Both nodes answer for one public URL (the load balancer's), so they share one issuer. */
const PUBLIC_URL = 'https://tessera.example.com';

/** The endpoints of a node, called directly at its own listener. */
function nodeEndpoints(node: TestServer): Endpoints {
  return { issuer: PUBLIC_URL, par: `${node.url}/oauth2/par`, token: `${node.url}/oauth2/token`, authorize: `${node.url}/oauth2/authorize` };
}

beforeAll(async () => {
  const toml = `${postgresToml(schema)}\n[server]\npublic_url = "${PUBLIC_URL}"\n`;
  a = await startFapiTestServer(toml);
  b = await startFapiTestServer(toml);
  [epA, epB] = [nodeEndpoints(a), nodeEndpoints(b)];
  app = await fapiClient(a, 'default', 'cluster-app');
});

afterAll(async () => {
  await closeClients();
  await Promise.all([a?.dispose(), b?.dispose()]);
  await dropSchema(schema);
});

describe('two nodes, one store', () => {
  it('a request_uri pushed to node a is used at node b, and then at neither', async () => {
    const pushed = await push(epA, app, { response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
    expect(pushed.status, pushed.text).toBe(201);
    const atB = await authorize(b.url, { clientId: app.clientId, extra: { request_uri: pushed.json.request_uri } });
    expect(atB.code, atB.location).not.toBeNull();
    for (const ep of [epA, epB]) {
      const again = await call(`${ep.authorize}?client_id=${app.clientId}&request_uri=${encodeURIComponent(pushed.json.request_uri)}`);
      expect(again.status).toBe(400);
      expect(again.text).toContain('invalid_request_uri');
    }
  });

  it('an assertion used at node a is refused as a replay at node b', async () => {
    const jwt = await assertion(app.clientId, PUBLIC_URL, app.key);
    const form = { client_id: app.clientId, client_assertion_type: JWT_BEARER, client_assertion: jwt, response_type: 'code', redirect_uri: REDIRECT_URI, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' };
    const first = await call(epA.par, { form });
    expect(first.status, first.text).toBe(201);
    const replay = await call(epB.par, { form });
    expectOAuthError(replay, 401, 'invalid_client');
    expect(replay.json.error_description).toMatch(/already used/);
  });
});
