/**
 * `tessera plugins [--json]`: the bundles in the dropins folder, their versions, components, aliases,
 * and for each component whether deployment.toml enables it and in what order, then each grant's
 * handler chain — an OSGi console's `lb`. It reads manifests only: no bundle code runs.
 * `tessera plugins new <name>` scaffolds a bundle for an author outside this repository.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { API_VERSION } from '../api/index.ts';
import { componentName, scaffoldFiles } from './scaffold/templates.ts';
import { ConfigError, loadConfig } from '../config/load-config.ts';
import { createLogger } from '../logging/logger.ts';
import { grantChainNames } from '../plugins/extension-set.ts';
import { planPlugins, type BundleReport } from '../plugins/plugin-loader.ts';
import { PluginError } from '../plugins/plugin-errors.ts';
import { builtinComponents } from '../runtime/builtin-components.ts';
import { PROJECT_ROOT, dropinsDirOf } from '../runtime/start-server.ts';

export async function runPlugins(argv: string[]): Promise<number> {
  if (argv[0] === 'new') return runNew(argv.slice(1));
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, dropins: { type: 'string' } }, strict: true });
  try {
    const { config, where } = loadConfig(values.config);
    const notRunning = () => {
      throw new Error('the server is not running (tessera plugins only lists)');
    };
    const dropinsDir = values.dropins ?? dropinsDirOf(config);
    const plan = planPlugins({
      dropinsDir,
      activation: { eventListeners: config.event_listener, grantTypes: config.oauth.grant_type, where },
      builtins: builtinComponents(notRunning),
      logger: createLogger(values.json ? 'silent' : 'warn', undefined),
    });
    const core: BundleReport = {
      name: 'core',
      folder: '(built in)',
      version: null,
      apiVersion: null,
      status: 'active',
      components: plan.index.all().filter((c) => c.bundle === 'core').map(({ decl }) => {
        const setting = plan.activation.settings.get(decl.name);
        return { kind: decl.kind, name: decl.name, aliases: decl.aliases, ...(decl.grantType ? { grantType: decl.grantType } : {}), enabled: setting?.enabled ?? false, order: setting?.order ?? decl.order, source: setting?.source ?? 'not enabled' };
      }),
    };
    const bundles = [core, ...plan.bundles];
    const grantChains = Object.fromEntries([...grantChainNames(plan, config.oauth.grant_type)].map(([grant, members]) => [grant, members.map((m) => m.name)]));
    process.stdout.write(values.json ? `${JSON.stringify({ dropinsDir, bundles, grantChains }, null, 2)}\n` : renderTable(dropinsDir, bundles, grantChains));
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PluginError) {
      process.stderr.write(`tessera plugins: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function renderTable(dropinsDir: string, bundles: BundleReport[], chains: Record<string, string[]>): string {
  const lines: string[] = [`bundles in ${dropinsDir}:`];
  for (const b of bundles) {
    lines.push(`${b.name}${b.version ? `@${b.version}` : ''}  [${b.status}]${b.error ? `  ${b.error}` : ''}`);
    for (const c of b.components) {
      lines.push(`  ${c.enabled ? 'on ' : 'off'}  order ${String(c.order).padStart(4)}  ${c.kind.padEnd(26)} ${c.name}${c.grantType ? ` (${c.grantType})` : ''}`);
      for (const alias of c.aliases) lines.push(`${' '.repeat(48)}alias ${alias}`);
    }
  }
  lines.push('', 'grant handler chains (outermost first):');
  for (const [grant, members] of Object.entries(chains)) lines.push(`  ${grant}: ${members.join(' -> ')}`);
  return `${lines.join('\n')}\n`;
}

/** `tessera plugins new <name> [--dir PARENT]`: scaffolds a bundle folder an author builds outside this repo. */
function runNew(argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, options: { dir: { type: 'string' } }, allowPositionals: true, strict: true });
  const [name] = positionals;
  if (!name || positionals.length !== 1 || !/^[a-z][a-z0-9-]{0,62}$/.test(name)) {
    process.stderr.write('usage: tessera plugins new <name> [--dir PARENT]   (name: lower-case letters, digits and "-", starting with a letter)\n');
    return 2;
  }
  const target = resolve(values.dir ?? process.cwd(), name);
  if (existsSync(target)) {
    process.stderr.write(`tessera plugins new: ${target} already exists\n`);
    return 2;
  }
  for (const [file, content] of Object.entries(scaffoldFiles({ name, tesseraHome: PROJECT_ROOT, apiVersion: API_VERSION }))) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    writeFileSync(join(target, file), content);
  }
  process.stdout.write(`created ${target}\n  cd ${target} && npm install && npm run build && npm test\nthen copy dist/${name}/ into your dropins_dir and enable "${componentName(name)}" in deployment.toml\n`);
  return 0;
}
