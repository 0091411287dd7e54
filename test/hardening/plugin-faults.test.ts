/**
 * A bundle whose hook throws (or answers nonsense) inside a request: a client authenticator, a grant
 * handler, an introspection interceptor and data provider, a protected-resource validator, a
 * discovery contributor, an event listener. The request fails closed with a clean RFC error (401
 * where the hook decides who is authenticated, else 500 server_error without internals), the
 * operator's log names the component, and the server stays up for everyone else. A hook that never
 * answers gets the caller 503 temporarily_unavailable once `[limits] response_timeout_ms` has passed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { makeDropins } from '../support/fixture-bundles.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectHealthy, send, type Sent } from './kit.ts';

const SECRET = 'plugin-faults-secret-0123456789ab';
/** Long enough for every ordinary request here (a password check included) on a busy machine. */
const RESPONSE_TIMEOUT_MS = 3000;

/** Every hook misbehaves when the request carries `x-fault: <what>`; otherwise it stays out of the way. */
const faulty = makeDropins([
  {
    name: 'faulty',
    components: [
      { kind: 'ClientAuthenticator', name: 'fx.FaultyAuthenticator', order: 50 },
      { kind: 'GrantHandler', name: 'fx.FaultyGrant', grantType: 'client_credentials' },
      { kind: 'IntrospectionInterceptor', name: 'fx.FaultyInterceptor' },
      { kind: 'IntrospectionDataProvider', name: 'fx.FaultyProvider' },
      { kind: 'ProtectedResourceValidator', name: 'fx.FaultyValidator' },
      { kind: 'MetadataContributor', name: 'fx.FaultyMetadata' },
      { kind: 'EventListener', name: 'fx.FaultyListener' },
    ],
    source: `
const fault = (request) => request?.header?.('x-fault') ?? '';
let discoveryFault = '';
export function activate(ctx) {
  ctx.provide('ClientAuthenticator', 'fx.FaultyAuthenticator', () => ({
    methods: ['fx_method'],
    detect(req) {
      if (fault(req.request) === 'detect') throw new TypeError('detect exploded');
      return null;
    },
    async authenticate(req, client, method) {
      const f = fault(req.request);
      if (f === 'authenticate') throw new TypeError('authenticate exploded');
      if (f === 'auth-null') return null;
      if (f === 'auth-wrong-method') return { method: 'client_secret_basic' };
      return { method };
    },
  }));
  ctx.provide('GrantHandler', 'fx.FaultyGrant', ({ next }) => ({
    async handle(grant) {
      const f = fault(grant.request);
      if (f === 'grant') throw new RangeError('grant exploded');
      if (f === 'grant-undefined') return undefined;
      if (f === 'grant-string') return 'not a token response';
      if (f === 'grant-hang') return new Promise(() => {});
      return next.handle(grant);
    },
  }));
  ctx.provide('IntrospectionInterceptor', 'fx.FaultyInterceptor', () => ({
    async intercept(response, c) {
      const f = fault(c.request);
      if (f === 'interceptor') throw new Error('interceptor exploded');
      if (f === 'interceptor-undefined') return undefined;
      if (f === 'interceptor-array') return ['active', true];
      if (f === 'interceptor-hang') return new Promise(() => {});
      return response;
    },
  }));
  ctx.provide('IntrospectionDataProvider', 'fx.FaultyProvider', () => ({
    provide(c) {
      const f = fault(c.request);
      if (f === 'provider') throw new Error('provider exploded');
      if (f === 'provider-rejects') return Promise.reject(new Error('provider rejected'));
      if (f === 'provider-string') return 'members';
      return {};
    },
  }));
  ctx.provide('ProtectedResourceValidator', 'fx.FaultyValidator', () => ({
    confirmationMethods: [],
    validate(token, request) {
      if (fault(request) === 'validator') throw new Error('validator exploded');
    },
  }));
  ctx.provide('MetadataContributor', 'fx.FaultyMetadata', () => ({
    contribute(metadata, c) {
      if (c.tenantId === 'broken') throw new Error('metadata exploded');
      metadata.fx_contributed = true;
    },
  }));
  ctx.provide('EventListener', 'fx.FaultyListener', () => ({
    async onEvent(event) {
      if (event.clientId === 'listener-bomb') throw new Error('listener exploded');
    },
  }));
}
`,
  },
]);

describe('plugin hooks that fail inside a request', () => {
  let server: TestServer;
  let userToken: string;

  beforeAll(async () => {
    server = await startTestServer({
      dropinsDir: faulty,
      toml: `
[oauth.grant_type.client_credentials]
grant_handler = "fx.FaultyGrant"

[[event_listener]]
name = "fx.FaultyAuthenticator"
[[event_listener]]
name = "fx.FaultyInterceptor"
[[event_listener]]
name = "fx.FaultyProvider"
[[event_listener]]
name = "fx.FaultyValidator"
[[event_listener]]
name = "fx.FaultyMetadata"
[[event_listener]]
name = "fx.FaultyListener"

[limits]
response_timeout_ms = ${RESPONSE_TIMEOUT_MS}

[logging]
level = "info"
`,
    });
    await server.createClient({ clientId: 'app', secret: SECRET });
    await server.createClient({ clientId: 'fx-client', tokenEndpointAuthMethod: 'fx_method', grantTypes: ['client_credentials'] });
    await server.createClient({ clientId: 'listener-bomb', secret: SECRET });
    await server.runtime.users.create(DEFAULT_SERVER, { username: 'pat', password: 'pat-Passw0rd-faults' });
    await server.runtime.store.tenants.ensure('broken');
    await server.runtime.store.servers.create({ tenantId: 'broken', serverId: 'as', name: 'broken', issuer: null, accessTokenFormat: null });
    const tokens = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'password', username: 'pat', password: 'pat-Passw0rd-faults', scope: 'openid' }, basic: ['app', SECRET] });
    expect(tokens.status, tokens.text).toBe(200);
    userToken = tokens.json.access_token;
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  const withFault = (fault: string) => ({ 'x-fault': fault });
  const token = (fault: string, clientId = 'app') =>
    clientId === 'app'
      ? send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET], headers: withFault(fault) })
      : send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: clientId }, headers: withFault(fault) });
  const introspect = (fault: string) => send(`${server.url}/oauth2/introspect`, { form: { token: userToken }, basic: ['app', SECRET], headers: withFault(fault) });

  function expectCleanFailure(res: Sent, status: number, error: string) {
    expect(res.status, res.text).toBe(status);
    expect(res.json?.error, res.text).toBe(error);
    expect(typeof res.json.error_description).toBe('string');
    expect(res.headers['cache-control']).toBe('no-store');
    // Nothing of the plugin's insides reaches the caller.
    expect(res.text).not.toMatch(/exploded|rejected|TypeError|RangeError|at .*:\d+|faulty/);
  }

  /** The log says which component failed, at error level, for the operator. */
  function expectLogged(component: string, message: string) {
    const line = server.logs.find((l) => l.includes(message));
    expect(line, `no log line with "${message}"`).toBeDefined();
    expect(line).toContain(component);
  }

  it('the hooks stay out of the way without the fault header (the control)', async () => {
    expect((await token('')).status).toBe(200);
    expect((await token('', 'fx-client')).status).toBe(200);
    expect((await introspect('')).json.active).toBe(true);
    expect((await send(`${server.url}/oauth2/userinfo`, { bearer: userToken })).status).toBe(200);
    expect((await send(`${server.url}/.well-known/openid-configuration`)).json.fx_contributed).toBe(true);
  });

  it('a client authenticator that throws, or answers nonsense: 401 invalid_client', async () => {
    for (const fault of ['authenticate', 'auth-null', 'auth-wrong-method']) expectCleanFailure(await token(fault, 'fx-client'), 401, 'invalid_client');
    // detect() runs for clients registered without a method: the secret client is refused too, closed.
    expectCleanFailure(await token('detect'), 401, 'invalid_client');
    const failure = server.logs.filter((l) => l.includes('client.authentication.failed') && l.includes('authenticate exploded'));
    expect(failure.length).toBeGreaterThan(0);
  });

  it('a grant handler that throws, or returns no token response: 500 server_error', async () => {
    expectCleanFailure(await token('grant'), 500, 'server_error');
    expectLogged('client_credentials', 'grant exploded');
    for (const fault of ['grant-undefined', 'grant-string']) expectCleanFailure(await token(fault), 500, 'server_error');
  });

  it('an introspection interceptor that throws, or returns something else than an object: 500 server_error', async () => {
    expectCleanFailure(await introspect('interceptor'), 500, 'server_error');
    expectLogged('fx.FaultyInterceptor', 'interceptor exploded');
    for (const fault of ['interceptor-undefined', 'interceptor-array']) expectCleanFailure(await introspect(fault), 500, 'server_error');
  });

  it('an introspection data provider that throws, rejects or returns no object: 500 server_error', async () => {
    for (const fault of ['provider', 'provider-rejects', 'provider-string']) expectCleanFailure(await introspect(fault), 500, 'server_error');
    expectLogged('fx.FaultyProvider', 'provider exploded');
  });

  it('a protected-resource validator that throws: 401 invalid_token at userinfo', async () => {
    const res = await send(`${server.url}/oauth2/userinfo`, { bearer: userToken, headers: withFault('validator') });
    expectCleanFailure(res, 401, 'invalid_token');
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer /);
  });

  it('a discovery contributor that throws: 500 server_error for that server\'s discovery only', async () => {
    const res = await send(`${server.url}/broken/as/.well-known/openid-configuration`);
    expectCleanFailure(res, 500, 'server_error');
    expectLogged('fx.FaultyMetadata', 'metadata exploded');
    expect((await send(`${server.url}/.well-known/oauth-authorization-server`)).status).toBe(200);
  });

  it('an event listener that throws changes nothing', async () => {
    const res = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['listener-bomb', SECRET] });
    expect(res.status, res.text).toBe(200);
    await server.runtime.events.idle();
    expectLogged('fx.FaultyListener', 'listener exploded');
  });

  it('a grant handler or interceptor that never answers: 503 temporarily_unavailable after response_timeout_ms', async () => {
    for (const request of [() => token('grant-hang'), () => introspect('interceptor-hang')]) {
      const started = performance.now();
      const res = await request();
      expectCleanFailure(res, 503, 'temporarily_unavailable');
      expect(performance.now() - started).toBeGreaterThanOrEqual(RESPONSE_TIMEOUT_MS - 50);
    }
    expect(server.logs.filter((l) => l.includes('no response in time')).length).toBeGreaterThanOrEqual(2);
  });

  it('the server stays up and serves everyone else', async () => {
    await expectHealthy(server.url);
    expect((await token('')).status).toBe(200);
    expect((await introspect('')).json.active).toBe(true);
  });
});
