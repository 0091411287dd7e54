/**
 * The files `tessera plugins new <name>` writes: a bundle an author builds and tests outside this
 * repository, against the plugin API of the installation that scaffolded it (`TESSERA_HOME`).
 */
export interface ScaffoldInput {
  /** Bundle name (plugin.json `name`), e.g. `acme-response-member`. */
  readonly name: string;
  /** Absolute path of the Tessera installation (its core/api and bin/tessera.mjs). */
  readonly tesseraHome: string;
  /** The plugin API version of that installation. */
  readonly apiVersion: string;
}

/** The one component the example provides. */
export const componentName = (name: string) => `${name}.TokenResponseMember`;

export function scaffoldFiles(input: ScaffoldInput): Record<string, string> {
  const { name } = input;
  const component = componentName(name);
  const home = JSON.stringify(input.tesseraHome);
  return {
    'plugin.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        description: `Adds a member to client_credentials token responses (scaffolded by tessera plugins new).`,
        // Built against this installation's API: any later 1.x host runs it.
        apiVersion: `^${input.apiVersion}`,
        entry: 'index.js',
        components: [
          {
            kind: 'GrantHandler',
            name: component,
            grantType: 'client_credentials',
            order: 50,
            description: 'Wraps the rest of the client_credentials chain and adds one member to the token response.',
          },
        ],
      },
      null,
      2,
    )}\n`,

    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        private: true,
        type: 'module',
        scripts: { build: 'node build.mjs', test: 'vitest run', typecheck: 'tsc --noEmit' },
        devDependencies: { esbuild: '^0.28.2', typescript: '^5.9.3', vitest: '^4.1.12', '@types/node': '^20.19.43' },
      },
      null,
      2,
    )}\n`,

    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          types: ['node'],
          // The plugin API of the installation you build against: types only, nothing of it is bundled
          // but the RFC error classes if you import them.
          paths: { 'tessera-plugin-api': [`${input.tesseraHome}/core/api/index.ts`] },
        },
        include: ['src', 'test'],
      },
      null,
      2,
    )}\n`,

    'build.mjs': `#!/usr/bin/env node
/**
 * Builds dist/${name}/: plugin.json, package.json ({"type":"module"}) and one ESM index.js.
 * Copy that folder into the server's dropins_dir and enable the component in deployment.toml.
 *
 * 'tessera-plugin-api' resolves to the installation in TESSERA_HOME (default: the one that
 * scaffolded this folder). npm packages stay external: the host resolves them at run time.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tesseraHome = process.env.TESSERA_HOME ?? ${home};
const manifest = JSON.parse(readFileSync(join(here, 'plugin.json'), 'utf8'));
const out = join(here, 'dist', manifest.name);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'index.ts')],
  outfile: join(out, manifest.entry),
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  plugins: [
    {
      name: 'tessera-plugin-api',
      setup(b) {
        b.onResolve({ filter: /^tessera-plugin-api$/ }, () => ({ path: join(tesseraHome, 'core', 'api', 'index.ts') }));
      },
    },
  ],
});
copyFileSync(join(here, 'plugin.json'), join(out, 'plugin.json'));
writeFileSync(join(out, 'package.json'), '{ "type": "module" }\\n');
console.log(\`built \${out}\`);
`,

    'src/index.ts': `/**
 * Bundle entry: activate(ctx) provides every component plugin.json declares. Nothing here runs
 * unless deployment.toml enables one of them.
 */
import type { ComponentDeps, GrantHandler, PluginContext, TokenResponse } from 'tessera-plugin-api';

export const COMPONENT = ${JSON.stringify(component)};

export function activate(ctx: PluginContext): void {
  ctx.provide('GrantHandler', COMPONENT, (deps: ComponentDeps): GrantHandler => {
    // [[event_listener]] properties = { member = "...", value = "..." }
    const member = typeof deps.properties.member === 'string' ? deps.properties.member : ${JSON.stringify(name.replaceAll('-', '_'))};
    const value = deps.properties.value ?? 'added';
    const next = deps.next;
    if (!next) throw new Error(\`\${COMPONENT} wraps a client_credentials chain, and there is none\`);
    return {
      async handle(grant): Promise<TokenResponse> {
        // Wrap, don't copy: the rest of the chain and the core validate and issue.
        const response = await next.handle(grant);
        return { ...response, [member]: value };
      },
    };
  });
  ctx.logger.debug({ bundle: ctx.bundle.name }, 'activated');
}
`,

    'test/bundle.test.ts': `/**
 * Starts a real Tessera (the installation in TESSERA_HOME) with this bundle built into a temporary
 * dropins_dir, registers a client through the admin API and asks for a token over HTTPS.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const tesseraHome = process.env.TESSERA_HOME ?? ${home};
const manifest = JSON.parse(readFileSync(join(here, 'plugin.json'), 'utf8'));
const component = manifest.components[0].name;
const ADMIN_PASSWORD = 'scaffold-test-admin-password';
const SECRET = 'scaffold-test-secret-0123456789abcdef';

let dir: string;
let server: ChildProcess;
let base: string;

function call(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      // The server generated its own certificate for "localhost" on first start: trust exactly that one.
      { method: 'POST', headers, ca: readFileSync(join(dir, 'data', 'server-cert.pem')), servername: 'localhost' },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(here, 'build.mjs')], { stdio: 'inherit' });
  dir = mkdtempSync(join(tmpdir(), \`\${manifest.name}-test-\`));
  writeFileSync(
    join(dir, 'deployment.toml'),
    [
      '[server]',
      \`dropins_dir = \${JSON.stringify(join(here, 'dist'))}\`,
      '',
      '[super_admin]',
      \`password = "\${ADMIN_PASSWORD}"\`,
      '',
      '[transport.https]',
      'host = "127.0.0.1"',
      'port = 0',
      '',
      '[[event_listener]]',
      \`name = "\${component}"\`,
      'properties = { member = "scaffold_member", value = "it works" }',
      '',
    ].join('\\n'),
  );
  server = spawn(process.execPath, [join(tesseraHome, 'bin', 'tessera.mjs'), 'start', '--config', join(dir, 'deployment.toml')], { cwd: dir });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(\`not ready:\\n\${out}\`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      const line = out.split('\\n').find((l) => l.includes('Tessera ready'));
      if (!line) return;
      clearTimeout(timer);
      resolve(JSON.parse(line).listeners.find((l: { name: string }) => l.name === 'https').url);
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', (c: Buffer) => (out += c));
    server.once('exit', (code) => reject(new Error(\`exited \${code}:\\n\${out}\`)));
  });
}, 60_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('adds its member to a client_credentials token response', async () => {
  const basic = (user: string, password: string) => \`Basic \${Buffer.from(\`\${user}:\${password}\`).toString('base64')}\`;
  const created = await call(
    '/api/admin/default/clients',
    JSON.stringify({ client_id: 'scaffold-client', client_secret: SECRET, grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' }),
    { 'content-type': 'application/json', authorization: basic('admin', ADMIN_PASSWORD) },
  );
  expect(created.status).toBe(201);
  const token = await call('/oauth2/token', 'grant_type=client_credentials', {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: basic('scaffold-client', SECRET),
  });
  expect(token.status).toBe(200);
  expect(token.json.scaffold_member).toBe('it works');
  expect(typeof token.json.access_token).toBe('string');
});
`,

    'README.md': `# ${name}

A Tessera plugin bundle, scaffolded by \`tessera plugins new ${name}\`.

    npm install                 # esbuild, vitest, typescript
    npm run build               # -> dist/${name}/ (plugin.json, package.json, index.js)
    npm test                    # builds, starts a real Tessera with the bundle, asks for a token
    npm run typecheck

The API comes from the Tessera installation in \`TESSERA_HOME\` (default: ${input.tesseraHome}); its
reference is \`docs/plugin-api.md\` there, the author's guide \`docs/plugin-guide.md\`.

Install: copy \`dist/${name}/\` into the server's \`[server] dropins_dir\` and enable the component:

\`\`\`toml
[[event_listener]]
name = "${component}"
order = 50                       # lower = outer in the client_credentials chain
properties = { member = "acme", value = "hello" }
\`\`\`

Restart, and check with \`tessera plugins\` that the bundle is \`[active]\` and where it sits in the chain.
`,

    '.gitignore': 'node_modules/\ndist/\n',
  };
}
