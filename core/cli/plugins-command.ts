/**
 * `tessera plugins [--json]`: the bundles in dropins/, their versions, components, aliases, and for
 * each component whether deployment.toml enables it and in what order — an OSGi console's `lb`.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { container } from 'tsyringe';
import { ConfigError, loadConfig } from '../config/load-config.ts';
import { createLogger } from '../logging/logger.ts';
import { loadPlugins, type BundleReport } from '../plugins/plugin-loader.ts';
import { PluginError } from '../plugins/plugin-errors.ts';
import { builtinComponents } from '../runtime/builtin-components.ts';
import { PROJECT_ROOT } from '../runtime/start-server.ts';
import { certificateThumbprint } from '../crypto/thumbprint.ts';

export async function runPlugins(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, dropins: { type: 'string' } }, strict: true });
  try {
    const { config, where } = loadConfig(values.config);
    const notRunning = () => {
      throw new Error('the server is not running (tessera plugins only lists)');
    };
    const loaded = await loadPlugins({
      dropinsDir: values.dropins ?? join(PROJECT_ROOT, 'dropins'),
      activation: { eventListeners: config.event_listener, grantTypes: config.oauth.grant_type, where },
      builtins: builtinComponents(notRunning),
      container: container.createChildContainer(),
      logger: createLogger(values.json ? 'silent' : 'warn', undefined),
      services: { clients: { find: notRunning }, tokens: { findRefreshToken: notRunning }, events: { emit: () => {} }, thumbprint: certificateThumbprint },
      config: config as unknown as Record<string, unknown>,
      pluginSettings: config.plugins,
    });
    const core: BundleReport = {
      name: 'core',
      folder: '(built in)',
      version: null,
      apiVersion: null,
      status: 'active',
      components: loaded.index.all().filter((c) => c.bundle === 'core').map(({ decl }) => {
        const setting = loaded.activation.settings.get(decl.name);
        return { kind: decl.kind, name: decl.name, aliases: decl.aliases, ...(decl.grantType ? { grantType: decl.grantType } : {}), enabled: setting?.enabled ?? false, order: setting?.order ?? decl.order, source: setting?.source ?? 'not enabled' };
      }),
    };
    const bundles = [core, ...loaded.bundles];
    process.stdout.write(values.json ? `${JSON.stringify({ bundles }, null, 2)}\n` : renderTable(bundles));
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PluginError) {
      process.stderr.write(`tessera plugins: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function renderTable(bundles: BundleReport[]): string {
  const lines: string[] = [];
  for (const b of bundles) {
    lines.push(`${b.name}${b.version ? `@${b.version}` : ''}  [${b.status}]${b.error ? `  ${b.error}` : ''}`);
    for (const c of b.components) {
      lines.push(`  ${c.enabled ? 'on ' : 'off'}  order ${String(c.order).padStart(4)}  ${c.kind.padEnd(26)} ${c.name}${c.grantType ? ` (${c.grantType})` : ''}`);
      for (const alias of c.aliases) lines.push(`${' '.repeat(48)}alias ${alias}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
