/**
 * Proof of issue #16, as a third-party author would do it: bundles scaffolded by
 * `tessera plugins new` in a folder outside this repository, built with their own build script,
 * dropped into a temporary `[server] dropins_dir` next to the first-party mTLS binding bundle, and
 * served over real mutual TLS.
 *
 * - stacked around the binding handler, the author's handler leaves the token bound and adds its member;
 * - a bundle that strips the binding cannot make a bound client receive an unbound token;
 * - a bundle no entry enables never runs its top-level code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { SECRET, clientCertificate, expectBound, tokenCall } from '../../plugins/mtls-token-binding/test/support/fixtures.ts';
import { closeClients } from '../support/https-client.ts';
import type { Issued } from '../support/pki.ts';
import { liveAccessTokens } from '../support/stored-tokens.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'tessera.mjs');
const BINDING = 'tessera.mtls.binding.ClientCredentialsGrantHandler';

let workspace: string;
let dropins: string;
let marker: string;
let cert: Issued;
let server: TestServer | undefined;

/** `tessera plugins new <name>`, then what `npm install` would give it, then the author's edits, then `node build.mjs`. */
function scaffoldAndBuild(name: string, edit: (dir: string) => void = () => {}): string {
  const res = spawnSync(process.execPath, [BIN, 'plugins', 'new', name, '--dir', workspace], { encoding: 'utf8', timeout: 30_000 });
  expect(res.status, res.stderr).toBe(0);
  const dir = join(workspace, name);
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  edit(dir);
  execFileSync(process.execPath, [join(dir, 'build.mjs')], { stdio: 'pipe' });
  cpSync(join(dir, 'dist', name), join(dropins, name), { recursive: true });
  return dir;
}

function editManifest(dir: string, change: (component: Record<string, unknown>) => void) {
  const manifest = JSON.parse(readFileSync(join(dir, 'plugin.json'), 'utf8'));
  change(manifest.components[0]);
  writeFileSync(join(dir, 'plugin.json'), JSON.stringify(manifest, null, 2));
}

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'tessera-author-'));
  expect(workspace.startsWith(PROJECT_ROOT)).toBe(false);
  dropins = join(workspace, 'dropins');
  mkdirSync(dropins);
  marker = join(workspace, 'idle-bundle-ran');

  // The author's bundle, unchanged from the scaffold: adds a member to client_credentials responses.
  scaffoldAndBuild('acme-stamp');
  // A bundle that tries to strip the binding, inside the binding handler (higher order = inner).
  scaffoldAndBuild('acme-strip', (dir) => {
    editManifest(dir, (c) => (c.order = 500));
    writeFileSync(
      join(dir, 'src', 'index.ts'),
      `import type { GrantHandler, PluginContext } from 'tessera-plugin-api';
export function activate(ctx: PluginContext): void {
  ctx.provide('GrantHandler', 'acme-strip.TokenResponseMember', ({ next }): GrantHandler => ({
    async handle(grant) {
      grant.confirmation = null;
      return next!.handle({ ...grant, client: { ...grant.client, tlsClientCertificateBoundAccessTokens: false } });
    },
  }));
}
`,
    );
  });
  // A bundle with top-level code, dropped in but never enabled.
  scaffoldAndBuild('acme-idle', (dir) => {
    const source = readFileSync(join(dir, 'src', 'index.ts'), 'utf8');
    writeFileSync(join(dir, 'src', 'index.ts'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'top-level code ran');\n${source}`);
  });
  // The first-party binding bundle, as built by `npm run build`.
  cpSync(join(PROJECT_ROOT, 'dropins', 'mtls-token-binding'), join(dropins, 'mtls-token-binding'), { recursive: true });
  cert = await clientCertificate('third-party-proof');
}, 120_000);

afterEach(async () => {
  await server?.dispose();
  server = undefined;
});
afterAll(async () => {
  await closeClients();
  rmSync(workspace, { recursive: true, force: true });
});

async function serve(extra: string): Promise<TestServer> {
  server = await startTestServer({
    toml: `
[server]
dropins_dir = "${dropins.replaceAll('\\', '/')}"

[oauth.grant_type.client_credentials]
grant_handler = "${BINDING}"

[[event_listener]]
name = "acme-stamp.TokenResponseMember"
properties = { member = "acme", value = "stamped" }
${extra}`,
  });
  await server.createClient({ clientId: 'bound', secret: SECRET, tlsClientCertificateBoundAccessTokens: true });
  return server;
}

describe('a third-party bundle built outside the repository', () => {
  it('stacked around the mTLS binding handler: the token is still bound and carries the bundle\'s addition', async () => {
    const s = await serve('');
    expect(s.runtime.extensions.grantChains.get('client_credentials')!.members).toEqual([
      'acme-stamp.TokenResponseMember',
      BINDING,
      'tessera.core.ClientCredentialsGrantHandler',
    ]);
    const response = await tokenCall(s, { grant_type: 'client_credentials' }, { cert, basic: ['bound', SECRET] });
    await expectBound(s, 'jwt', response, cert);
    expect(response.json.acme).toBe('stamped');
    expect(existsSync(marker)).toBe(false);
  });

  it('a bundle that strips the binding cannot make the bound client receive an unbound token', async () => {
    const s = await serve('\n[[event_listener]]\nname = "acme-strip.TokenResponseMember"\n');
    expect(s.runtime.extensions.grantChains.get('client_credentials')!.members).toEqual([
      'acme-stamp.TokenResponseMember',
      BINDING,
      'acme-strip.TokenResponseMember',
      'tessera.core.ClientCredentialsGrantHandler',
    ]);
    const response = await tokenCall(s, { grant_type: 'client_credentials' }, { cert, basic: ['bound', SECRET] });
    expect(response.status, response.text).toBe(500);
    expect(response.json).toEqual({ error: 'server_error', error_description: 'the token could not be issued' });
    const logged = s.logs.find((l) => l.includes('core invariant certificate-binding'));
    expect(logged).toContain(`acme-stamp.TokenResponseMember -> ${BINDING} -> acme-strip.TokenResponseMember -> tessera.core.ClientCredentialsGrantHandler`);
    expect(liveAccessTokens(s)).toBe(0);
  });

  it('an unenabled bundle\'s top-level code never runs, by the server or by `tessera plugins`', async () => {
    const s = await serve('');
    expect(s.running.plugins.bundles.find((b) => b.name === 'acme-idle')).toMatchObject({ status: 'inactive' });
    const config = join(workspace, 'plugins-listing.toml');
    writeFileSync(config, `[server]\ndropins_dir = "${dropins.replaceAll('\\', '/')}"\n`);
    const listed = spawnSync(process.execPath, [BIN, 'plugins', '--config', config], { encoding: 'utf8', timeout: 30_000 });
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^acme-idle@0\.1\.0 {2}\[inactive\]/m);
    expect(existsSync(marker)).toBe(false);
  });

  it('the scaffold\'s own test passes: it builds the bundle and runs it in a real server over HTTPS', () => {
    const res = spawnSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--maxWorkers=1'], {
      cwd: join(workspace, 'acme-stamp'),
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, CI: '1' },
    });
    expect(res.status, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(res.stdout).toMatch(/1 passed/);
  });
});
