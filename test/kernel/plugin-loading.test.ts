import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PluginError } from '../../core/plugins/plugin-errors.ts';
import { fixtureLog, listenerBundle, makeDropins } from '../support/fixture-bundles.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const SECRET = 'fixture-secret-0123456789abcdef';
let server: TestServer | undefined;

async function tokenFor(s: TestServer) {
  await s.createClient({ clientId: 'app', secret: SECRET });
  return call(`${s.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
}

/** Events are delivered after the response; wait until the bus has delivered them. */
async function settled(): Promise<string[]> {
  await server!.runtime.events.idle();
  return fixtureLog().filter((line) => line.endsWith(':token.issued'));
}

beforeEach(() => fixtureLog().splice(0));
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});
afterAll(closeClients);

describe('event listeners from [[event_listener]]', () => {
  const dropins = makeDropins([listenerBundle('audit', [{ name: 'fx.First' }, { name: 'fx.Second' }, { name: 'fx.Aliased', aliases: ['org.example.LegacyListener'] }])]);

  it('runs enabled listeners, lower order first', async () => {
    server = await startTestServer({
      dropinsDir: dropins,
      toml: `
[[event_listener]]
type = "EventListener"
name = "fx.First"
order = 20

[[event_listener]]
type = "EventListener"
name = "fx.Second"
order = 10
`,
    });
    expect((await tokenFor(server)).status).toBe(200);
    expect(await settled()).toEqual(['fx.Second:token.issued', 'fx.First:token.issued']);
  });

  it('enable = false switches a component off, and a component no entry names stays off', async () => {
    server = await startTestServer({
      dropinsDir: dropins,
      toml: `
[[event_listener]]
name = "fx.First"
enable = false

[[event_listener]]
name = "fx.Second"
`,
    });
    await tokenFor(server);
    expect(await settled()).toEqual(['fx.Second:token.issued']);
  });

  it('a later entry with the same type and name overrides an earlier one', async () => {
    server = await startTestServer({
      dropinsDir: dropins,
      toml: `
[[event_listener]]
type = "EventListener"
name = "fx.First"
order = 1
properties = { tag = "early" }

[[event_listener]]
type = "EventListener"
name = "fx.Second"
order = 5

[[event_listener]]
type = "EventListener"
name = "fx.First"
order = 9
properties = { tag = "late" }
`,
    });
    await tokenFor(server);
    expect(await settled()).toEqual(['fx.Second:token.issued', 'fx.First[late]:token.issued']);
  });

  it('resolves an alias (a WSO2-style class name) to the component', async () => {
    server = await startTestServer({
      dropinsDir: dropins,
      toml: `
[[event_listener]]
id = "legacy"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
name = "org.example.LegacyListener"
order = 3
enable = true
`,
    });
    await tokenFor(server);
    expect(await settled()).toEqual(['fx.Aliased:token.issued']);
    const report = server.running.plugins.bundles.find((b) => b.name === 'audit')!;
    expect(report.components.find((c) => c.name === 'fx.Aliased')).toMatchObject({ enabled: true, order: 3, aliases: ['org.example.LegacyListener'] });
  });
});

describe('grant_handler overrides', () => {
  const dropins = makeDropins([
    {
      name: 'wrapper',
      components: [{ kind: 'GrantHandler', name: 'fx.WrappingClientCredentials', grantType: 'client_credentials', aliases: ['org.example.WrappingHandler'] }],
      source: `
export function activate(ctx) {
  ctx.provide('GrantHandler', 'fx.WrappingClientCredentials', ({ next, grantType }) => ({
    async handle(grant) {
      grant.confirmation = { 'x-fixture': 'bound' };
      const response = await next.handle(grant);
      return { ...response, wrapped_for: grantType };
    },
  }));
}`,
    },
  ]);

  it('wraps the default handler it replaces, which still issues the token', async () => {
    server = await startTestServer({ dropinsDir: dropins, toml: '[oauth.grant_type.client_credentials]\ngrant_handler = "org.example.WrappingHandler"\n' });
    const token = await tokenFor(server);
    expect(token.status, token.text).toBe(200);
    expect(token.json.wrapped_for).toBe('client_credentials');
    // The confirmation the wrapper set went through the core issuer into the stored token.
    const introspected = await server.runtime.tokens.findActiveAccessToken((await server.runtime.servers.resolve({ tenantId: 'default', serverId: 'default' }))!, token.json.access_token);
    expect(introspected?.confirmation).toEqual({ 'x-fixture': 'bound' });
  });

  it('without the grant_handler line the default handler runs alone', async () => {
    server = await startTestServer({ dropinsDir: dropins });
    const token = await tokenFor(server);
    expect(token.json.wrapped_for).toBeUndefined();
  });

  it('[oauth.grant_type.X] enable = false refuses the grant', async () => {
    server = await startTestServer({ dropinsDir: dropins, toml: '[oauth.grant_type.client_credentials]\nenable = false\n' });
    const token = await tokenFor(server);
    expect(token.status).toBe(400);
    expect(token.json.error).toBe('unsupported_grant_type');
  });
});

describe('bundles that fail', () => {
  const throwing = (name: string, component: string) => ({
    name,
    components: [{ kind: 'EventListener', name: component }],
    source: `export function activate() { throw new Error('database driver missing'); }`,
  });

  it('an enabled bundle that fails to activate stops start-up, naming the bundle and the cause', async () => {
    const dropins = makeDropins([throwing('broken-auth', 'fx.Broken')]);
    const started = startTestServer({ dropinsDir: dropins, toml: '[[event_listener]]\nname = "fx.Broken"\n' });
    await expect(started).rejects.toThrow(PluginError);
    await expect(started).rejects.toThrow(/bundle "broken-auth".*enabled in deployment.toml.*database driver missing/);
  });

  it('an unused bundle is never imported: reported inactive, its failing activate() never runs, the server starts', async () => {
    const dropins = makeDropins([throwing('broken-extra', 'fx.Unused'), listenerBundle('ok', [{ name: 'fx.Ok' }])]);
    server = await startTestServer({ dropinsDir: dropins, toml: '[[event_listener]]\nname = "fx.Ok"\n' });
    const report = server.running.plugins.bundles.find((b) => b.name === 'broken-extra')!;
    expect(report.status).toBe('inactive');
    expect(server.logs.some((l) => l.includes('database driver missing'))).toBe(false);
    expect(server.running.plugins.bundles.find((b) => b.name === 'ok')!.status).toBe('active');
    expect((await call(`${server.url}/health`)).status).toBe(200);
  });

  it('a bundle built for another plugin API version is refused with both versions in the message', async () => {
    const dropins = makeDropins([{ ...listenerBundle('future', [{ name: 'fx.Future' }]), apiVersion: '^2.0.0' }]);
    const started = startTestServer({ dropinsDir: dropins, toml: '[[event_listener]]\nname = "fx.Future"\n' });
    await expect(started).rejects.toThrow(/TESSERA_ERR_PLUGIN_API_VERSION.*needs plugin API \^2\.0\.0; this Tessera provides 1\.3\.0/);
  });

  it('an enabled component that no bundle provides fails closed, listing broken bundles', async () => {
    const dropins = makeDropins([{ name: 'garbled', components: [], source: '', rawManifest: '{ not json' }]);
    const started = startTestServer({ dropinsDir: dropins, toml: '[[event_listener]]\nname = "org.example.Missing"\n' });
    await expect(started).rejects.toThrow(/no bundle in dropins\/ provides "org.example.Missing".*garbled \(plugin.json is not valid JSON/);
  });

  it('a bundle that declares a component its activate() does not provide is refused', async () => {
    const dropins = makeDropins([{ name: 'liar', components: [{ kind: 'EventListener', name: 'fx.Promised' }], source: 'export function activate() {}' }]);
    await expect(startTestServer({ dropinsDir: dropins, toml: '[[event_listener]]\nname = "fx.Promised"\n' })).rejects.toThrow(/did not provide the declared EventListener "fx.Promised"/);
  });

  it('a listener that throws is logged and does not change the response', async () => {
    const dropins = makeDropins([
      {
        name: 'faulty',
        components: [{ kind: 'EventListener', name: 'fx.Faulty' }],
        source: `export function activate(ctx) { ctx.provide('EventListener', 'fx.Faulty', () => ({ onEvent() { throw new Error('listener exploded'); } })); }`,
      },
    ]);
    server = await startTestServer({ dropinsDir: dropins, toml: '[[event_listener]]\nname = "fx.Faulty"\n' });
    expect((await tokenFor(server)).status).toBe(200);
    await server.runtime.events.idle();
    expect(server.logs.some((l) => l.includes('listener exploded'))).toBe(true);
  });
});
