/**
 * Plugin platform v2 (issue #16): only enabled code runs, entries stay inside their bundle folder,
 * `[server] dropins_dir`, and grant handler chains (every enabled handler for a grant, by `order`,
 * ending at the core's) — through the real server over HTTPS and the real `tessera plugins`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../core/api/index.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { makeDropins, type FixtureBundle } from '../support/fixture-bundles.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'tessera.mjs');
const SECRET = 'fixture-secret-0123456789abcdef';
const dirs: string[] = [];
let server: TestServer | undefined;

afterEach(async () => {
  await server?.dispose();
  server = undefined;
});
afterAll(async () => {
  await closeClients();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A bundle whose top-level code leaves a marker file: proof that its entry was imported. */
function markingBundle(name: string, marker: string, component: string): FixtureBundle {
  return {
    name,
    components: [{ kind: 'EventListener', name: component }],
    source: `
import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(marker)}, 'imported');
export function activate(ctx) {
  ctx.provide('EventListener', ${JSON.stringify(component)}, () => ({ onEvent() {} }));
}`,
  };
}

/** A client_credentials wrapper that records its name in the response (`chain`) and its properties. */
function wrapperBundle(name: string, component: string, order: number): FixtureBundle {
  return {
    name,
    components: [{ kind: 'GrantHandler', name: component, grantType: 'client_credentials', order, aliases: [`org.example.${name}`] }],
    source: `
export function activate(ctx) {
  ctx.provide('GrantHandler', ${JSON.stringify(component)}, ({ next, properties }) => ({
    async handle(grant) {
      const response = await next.handle(grant);
      const chain = [${JSON.stringify(component)}, ...(response.chain ?? [])];
      return { ...response, chain, ['props_' + ${JSON.stringify(name)}]: properties };
    },
  }));
}`,
  };
}

function plugins(args: string[]) {
  return spawnSync(process.execPath, [BIN, 'plugins', ...args], { encoding: 'utf8', timeout: 30_000 });
}

async function clientCredentials(s: TestServer) {
  await s.createClient({ clientId: 'app', secret: SECRET });
  return call(`${s.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
}

describe('only enabled code runs', () => {
  it('a bundle no entry enables is never imported, by `tessera start` nor by `tessera plugins`', async () => {
    const markers = tempDir('tessera-markers-');
    const dropins = makeDropins([markingBundle('idle', join(markers, 'idle'), 'fx.Idle'), markingBundle('used', join(markers, 'used'), 'fx.Used')]);
    dirs.push(dropins);
    const config = tempDir('tessera-cfg-');
    writeFileSync(join(config, 'deployment.toml'), '[[event_listener]]\nname = "fx.Used"\n');

    const listed = plugins(['--config', join(config, 'deployment.toml'), '--dropins', dropins]);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^idle@1\.0\.0 {2}\[inactive\]/m);
    expect(listed.stdout).toMatch(/^used@1\.0\.0 {2}\[active\]/m);
    // Manifests only: not even the enabled bundle is imported by the listing.
    expect(existsSync(join(markers, 'idle'))).toBe(false);
    expect(existsSync(join(markers, 'used'))).toBe(false);

    server = await startTestServer({ dropinsDir: dropins, toml: '[[event_listener]]\nname = "fx.Used"\n' });
    expect(existsSync(join(markers, 'used'))).toBe(true);
    expect(existsSync(join(markers, 'idle'))).toBe(false);
    expect(server.running.plugins.bundles.find((b) => b.name === 'idle')).toMatchObject({ status: 'inactive' });
  });

  it('a bundle whose every component is switched off is shown inactive and not imported', async () => {
    const markers = tempDir('tessera-markers-');
    const dropins = makeDropins([markingBundle('off', join(markers, 'off'), 'fx.Off')]);
    dirs.push(dropins);
    server = await startTestServer({ dropinsDir: dropins, toml: '[[event_listener]]\nname = "fx.Off"\nenable = false\n' });
    expect(server.running.plugins.bundles.find((b) => b.name === 'off')).toMatchObject({ status: 'inactive', components: [{ enabled: false }] });
    expect(existsSync(join(markers, 'off'))).toBe(false);
  });

  it('an entry that is a symlink to a file outside the bundle folder is refused, and that file never runs', async () => {
    const markers = tempDir('tessera-markers-');
    const outside = tempDir('tessera-outside-');
    writeFileSync(join(outside, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(outside, 'evil.js'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(join(markers, 'evil'))}, 'ran');\nexport function activate() {}\n`);
    const dropins = makeDropins([markingBundle('linked', join(markers, 'linked'), 'fx.Linked')]);
    dirs.push(dropins);
    unlinkSync(join(dropins, 'linked', 'index.js'));
    symlinkSync(join(outside, 'evil.js'), join(dropins, 'linked', 'index.js'));

    await expect(startTestServer({ dropinsDir: dropins, toml: '[[event_listener]]\nname = "fx.Linked"\n' })).rejects.toThrow(
      /bundle "linked".*entry "index.js" points outside the bundle folder/,
    );
    expect(existsSync(join(markers, 'evil'))).toBe(false);
    // Unused, it is reported (from its manifest and the path alone) and the server starts.
    server = await startTestServer({ dropinsDir: dropins });
    expect(server.running.plugins.bundles.find((b) => b.name === 'linked')).toMatchObject({ status: 'skipped', error: expect.stringMatching(/points outside the bundle folder/) });
    expect(existsSync(join(markers, 'evil'))).toBe(false);
  });
});

describe('[server] dropins_dir', () => {
  it('is relative to the config file folder, for the server and for `tessera plugins`', async () => {
    const markers = tempDir('tessera-markers-');
    const config = tempDir('tessera-cfg-');
    const dropins = makeDropins([markingBundle('elsewhere', join(markers, 'elsewhere'), 'fx.Elsewhere')]);
    dirs.push(dropins);
    mkdirSync(join(config, 'conf'));
    const relativePath = relative(join(config, 'conf'), dropins).replaceAll('\\', '/');
    expect(relativePath.startsWith('..')).toBe(true);
    const toml = `[server]\ndropins_dir = "${relativePath}"\n\n[[event_listener]]\nname = "fx.Elsewhere"\n`;
    writeFileSync(join(config, 'conf', 'deployment.toml'), toml);
    const listed = plugins(['--json', '--config', join(config, 'conf', 'deployment.toml')]);
    expect(listed.status, listed.stderr).toBe(0);
    const json = JSON.parse(listed.stdout);
    expect(json.bundles.map((b: { name: string }) => b.name)).toEqual(['core', 'elsewhere']);

    server = await startTestServer({ toml: `[server]\ndropins_dir = "${dropins.replaceAll('\\', '/')}"\n\n[[event_listener]]\nname = "fx.Elsewhere"\n` });
    expect(server.running.plugins.bundles.map((b) => b.name)).toEqual(['elsewhere']);
    expect(existsSync(join(markers, 'elsewhere'))).toBe(true);
  });
});

describe('grant handler chains', () => {
  const dropins = makeDropins([wrapperBundle('outer', 'fx.Outer', 10), wrapperBundle('inner', 'fx.Inner', 50), wrapperBundle('idle-wrapper', 'fx.Idle', 1)]);
  dirs.push(dropins);
  const toml = `
[oauth.grant_type.client_credentials]
grant_handler = "org.example.inner"

[[event_listener]]
name = "fx.Outer"
properties = { audience = "api://orders", level = 2 }
`;

  it('every enabled handler joins, lower order outermost, ending at the core handler; properties reach each', async () => {
    server = await startTestServer({ dropinsDir: dropins, toml });
    const token = await clientCredentials(server);
    expect(token.status, token.text).toBe(200);
    expect(token.json.chain).toEqual(['fx.Outer', 'fx.Inner']);
    expect(token.json.props_outer).toEqual({ audience: 'api://orders', level: 2 });
    expect(token.json.props_inner).toEqual({});
    expect(server.runtime.extensions.grantChains.get('client_credentials')!.members).toEqual(['fx.Outer', 'fx.Inner', 'tessera.core.ClientCredentialsGrantHandler']);
  });

  it('an [[event_listener]] order moves a member; `tessera plugins` prints each chain in order', async () => {
    const config = tempDir('tessera-cfg-');
    writeFileSync(join(config, 'deployment.toml'), `${toml}\n[[event_listener]]\nname = "fx.Inner"\norder = 5\n`);
    const listed = plugins(['--config', join(config, 'deployment.toml'), '--dropins', dropins]);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('client_credentials: fx.Inner -> fx.Outer -> tessera.core.ClientCredentialsGrantHandler');
    expect(listed.stdout).toContain('password: tessera.core.PasswordGrantHandler');
    const json = JSON.parse(plugins(['--json', '--config', join(config, 'deployment.toml'), '--dropins', dropins]).stdout);
    expect(json.grantChains.client_credentials).toEqual(['fx.Inner', 'fx.Outer', 'tessera.core.ClientCredentialsGrantHandler']);
  });
});

describe('bundles get read-only, typed services', () => {
  it('no container, a frozen config without secrets, copies from lookups, X.509 from the core', async () => {
    const dropins = makeDropins([
      {
        name: 'curious',
        components: [{ kind: 'GrantHandler', name: 'fx.Curious', grantType: 'client_credentials' }],
        source: `
export function activate(ctx) {
  const seen = {
    container: 'container' in ctx,
    configFrozen: Object.isFrozen(ctx.config) && Object.isFrozen(ctx.config.oauth),
    password: ctx.config.super_admin.password ?? null,
    databaseUrl: ctx.config.database.url ?? null,
    x509: typeof ctx.services.x509.certificateSubjectDn,
  };
  ctx.provide('GrantHandler', 'fx.Curious', ({ next }) => ({
    async handle(grant) {
      const found = await ctx.services.clients.find(grant, grant.client.clientId);
      found.scopes.push('admin');
      found.tlsClientCertificateBoundAccessTokens = true;
      const again = await ctx.services.clients.find(grant, grant.client.clientId);
      const response = await next.handle(grant);
      return { ...response, seen: { ...seen, copy: !again.scopes.includes('admin') && !again.tlsClientCertificateBoundAccessTokens } };
    },
  }));
}`,
      },
    ]);
    dirs.push(dropins);
    server = await startTestServer({ dropinsDir: dropins, toml: '[[event_listener]]\nname = "fx.Curious"\n' });
    const token = await clientCredentials(server);
    expect(token.status, token.text).toBe(200);
    expect(token.json.seen).toEqual({ container: false, configFrozen: true, password: null, databaseUrl: null, x509: 'function', copy: true });
  });
});

describe('tessera plugins new', () => {
  it('refuses a name a manifest cannot carry, and an existing folder (exit 2)', () => {
    const parent = tempDir('tessera-new-');
    expect(plugins(['new', 'Bad_Name', '--dir', parent]).status).toBe(2);
    mkdirSync(join(parent, 'taken'));
    const taken = plugins(['new', 'taken', '--dir', parent]);
    expect(taken.status).toBe(2);
    expect(taken.stderr).toMatch(/already exists/);
  });

  it('writes plugin.json, package.json, src/index.ts, build.mjs and a test, for this installation', () => {
    const parent = tempDir('tessera-new-');
    const res = plugins(['new', 'acme-new', '--dir', parent]);
    expect(res.status, res.stderr).toBe(0);
    for (const file of ['plugin.json', 'package.json', 'tsconfig.json', 'build.mjs', 'src/index.ts', 'test/bundle.test.ts', 'README.md']) {
      expect(existsSync(join(parent, 'acme-new', file)), file).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(parent, 'acme-new', 'plugin.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'acme-new', apiVersion: `^${API_VERSION}`, components: [{ kind: 'GrantHandler', name: 'acme-new.TokenResponseMember' }] });
    expect(readFileSync(join(parent, 'acme-new', 'build.mjs'), 'utf8')).toContain(JSON.stringify(PROJECT_ROOT));
  });
});
