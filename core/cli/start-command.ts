import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { adminRoutes } from '../admin/admin-routes.ts';
import { ConfigError, loadConfig } from '../config/load-config.ts';
import { PluginError } from '../plugins/plugin-errors.ts';
import { startServer } from '../runtime/start-server.ts';
import { runWorker } from '../runtime/worker-main.ts';
import { superviseWorkers, workerCount } from '../runtime/worker-supervisor.ts';

/**
 * `tessera start`: runs until SIGTERM/SIGINT, then drains in-flight requests and exits 0. With
 * `[server] workers` above 1 this process is the primary (runtime/worker-supervisor.ts) and the
 * same command runs again in each worker (runtime/worker-main.ts).
 */
export async function runStart(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } }, strict: true });
  if (cluster.isWorker) return runWorker(values.config, adminRoutes);
  let server;
  try {
    const loaded = loadConfig(values.config);
    if (workerCount(loaded.config) > 1) return await superviseWorkers(loaded);
    server = await startServer({ loaded, mount: adminRoutes });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PluginError) {
      process.stderr.write(`tessera: cannot start: ${err.message}\n`);
      return 2;
    }
    const { code, address, port } = err as NodeJS.ErrnoException & { address?: string; port?: number };
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      // The most common first-start failure: say which key moves the listener, not a stack trace.
      const what = code === 'EADDRINUSE' ? 'is already in use' : 'may not be opened by this user';
      process.stderr.write(`tessera: cannot start: ${address ?? ''}:${port ?? '?'} ${what}; choose another with [transport.https] port (or [transport.http] port) in deployment.toml\n`);
      return 1;
    }
    process.stderr.write(`tessera: cannot start: ${(err as Error).stack ?? err}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      server.runtime.logger.info({ signal }, `received ${signal}: draining and stopping`);
      void server.stop().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  server.runtime.logger.info('stopped');
  return 0;
}
