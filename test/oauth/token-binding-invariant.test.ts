/**
 * The core's DPoP-binding invariant (core/oauth/invariants/dpop-binding.ts), whatever the bundles do:
 * - a client registered with dpop_bound_access_tokens gets no token without a proof a TokenBinder
 *   accepted — also when no DPoP bundle is installed at all;
 * - a grant handler that drops or replaces the binding a TokenBinder proved gets the issued tokens
 *   revoked and the request a server_error, logged with the binder's name.
 * The bundles here are fixtures written for the test: a binder that "proves" the key named in a test
 * header, and grant handlers that misbehave.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../support/https-client.ts';
import { makeDropins } from '../support/fixture-bundles.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { expectOAuthError, introspect } from './oauth-helpers.ts';

const SECRET = 'app-secret-0123456789abcdefgh';

const ROGUE = makeDropins([
  {
    name: 'rogue',
    apiVersion: '^1.1.0',
    components: [
      { kind: 'TokenBinder', name: 'fx.HeaderBinder' },
      { kind: 'GrantHandler', name: 'fx.DroppingHandler', grantType: 'client_credentials' },
      { kind: 'GrantHandler', name: 'fx.SwappingHandler', grantType: 'password' },
      { kind: 'TokenBinder', name: 'fx.FaultyBinder' },
    ],
    source: `
const issued = (globalThis.__tesseraRogueIssued ??= []);
export function activate(ctx) {
  ctx.provide('TokenBinder', 'fx.HeaderBinder', () => ({
    confirmationMethods: ['jkt'],
    async bind(req) {
      const jkt = req.request.header('x-test-jkt');
      return jkt ? { confirmation: { jkt } } : null;
    },
  }));
  ctx.provide('TokenBinder', 'fx.FaultyBinder', () => ({
    confirmationMethods: ['jkt'],
    async bind(req) {
      const fault = req.request.header('x-fault');
      if (fault === 'throw') throw new TypeError('binder bug');
      if (fault === 'undeclared') return { confirmation: { 'x5t#S256': 'forged' } };
      if (fault === 'shape') return { confirmation: 'jkt' };
      if (fault === 'disagree') return { confirmation: { jkt: 'another-key' } };
      return null;
    },
  }));
  ctx.provide('GrantHandler', 'fx.DroppingHandler', ({ next }) => ({
    async handle(grant) {
      grant.confirmation = null;
      const response = await next.handle(grant);
      issued.push(response.access_token);
      return response;
    },
  }));
  ctx.provide('GrantHandler', 'fx.SwappingHandler', ({ next }) => ({
    async handle(grant) {
      grant.confirmation = { jkt: 'someone-elses-key' };
      const response = await next.handle(grant);
      issued.push(response.access_token);
      return response;
    },
  }));
}`,
  },
]);

const issuedByRogue = (): string[] => ((globalThis as { __tesseraRogueIssued?: string[] }).__tesseraRogueIssued ??= []);

describe('DPoP-binding invariant', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      dropinsDir: ROGUE,
      toml: `
[[event_listener]]
name = "fx.HeaderBinder"

[[event_listener]]
name = "fx.FaultyBinder"

[oauth.grant_type.client_credentials]
grant_handler = "fx.DroppingHandler"

[oauth.grant_type.password]
grant_handler = "fx.SwappingHandler"
`,
    });
    await server.createClient({ clientId: 'app', secret: SECRET });
    await server.createClient({ clientId: 'dpop-app', secret: SECRET, dpopBoundAccessTokens: true });
    await server.runtime.users.create({ tenantId: 'default', serverId: 'default' }, { username: 'ada', password: 'ada-Passw0rd-for-tests', claims: {} });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
    rmSync(ROGUE, { recursive: true, force: true });
  });

  const token = (clientId: string, form: Record<string, string>, jkt?: string) =>
    call(`${server.url}/oauth2/token`, { form, basic: [clientId, SECRET], headers: jkt ? { 'x-test-jkt': jkt } : {} });

  it('refuses a dpop_bound_access_tokens client without a proof, before anything is issued', async () => {
    const before = issuedByRogue().length;
    expectOAuthError(await token('dpop-app', { grant_type: 'client_credentials' }), 400, 'invalid_dpop_proof');
    expect(issuedByRogue()).toHaveLength(before);
  });

  it('revokes and refuses tokens a handler issued without the proved key', async () => {
    const result = await token('app', { grant_type: 'client_credentials' }, 'proved-key');
    expectOAuthError(result, 500, 'server_error');
    expect(result.text).not.toContain('access_token');
    expect(await introspect(server, issuedByRogue().at(-1)!)).toEqual({ active: false });
    expect(server.logs.some((l) => l.includes('core invariant dpop-binding') && l.includes('without cnf.jkt'))).toBe(true);
  });

  it('revokes and refuses tokens a handler bound to another key', async () => {
    const result = await token('app', { grant_type: 'password', username: 'ada', password: 'ada-Passw0rd-for-tests' }, 'proved-key');
    expectOAuthError(result, 500, 'server_error');
    expect(await introspect(server, issuedByRogue().at(-1)!)).toEqual({ active: false });
  });

  it.each(['throw', 'undeclared', 'shape', 'disagree'])('fails closed when a binder misbehaves (%s), naming it in the log', async (fault) => {
    const result = await call(`${server.url}/oauth2/token`, {
      form: { grant_type: 'client_credentials' },
      basic: ['app', SECRET],
      headers: { 'x-fault': fault, 'x-test-jkt': 'proved-key' },
    });
    expectOAuthError(result, 500, 'server_error');
    const logged = fault === 'disagree' ? 'token binders disagree on a cnf member' : 'TokenBinder fx.FaultyBinder failed';
    expect(server.logs.some((l) => l.includes(logged))).toBe(true);
  });

  it('leaves requests without a proof alone (the dropping handler issues a Bearer token)', async () => {
    const result = await token('app', { grant_type: 'client_credentials' });
    expect(result.status, result.text).toBe(200);
    expect(result.json.token_type).toBe('Bearer');
  });
});

describe('without any TokenBinder', () => {
  it('a dpop_bound_access_tokens client gets no token', async () => {
    const server = await startTestServer();
    try {
      await server.createClient({ clientId: 'dpop-app', secret: SECRET, dpopBoundAccessTokens: true });
      const result = await call(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['dpop-app', SECRET], headers: { DPoP: 'x.y.z' } });
      expectOAuthError(result, 400, 'invalid_dpop_proof');
    } finally {
      await server.dispose();
    }
  });
});
