/**
 * A worker process of `[server] workers` > 1: the ordinary server (start-server.ts) linked to the
 * primary. It stops — drain delay, in-flight requests, then exit 0 — when the primary asks, when it
 * gets SIGTERM or SIGINT itself (Ctrl-C reaches the whole process group), or when the primary is gone.
 */
import type { Hono } from 'hono';
import { ConfigError, loadConfig } from '../config/load-config.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import { createLogger } from '../logging/logger.ts';
import { PluginError } from '../plugins/plugin-errors.ts';
import type { CoreRuntime } from './core-runtime.ts';
import { startServer, type RunningTessera } from './start-server.ts';
import { connectWorker } from './worker-link.ts';

export async function runWorker(configFile: string | undefined, mount?: (app: Hono<TesseraEnv>, runtime: CoreRuntime) => void): Promise<number> {
  let server: RunningTessera;
  try {
    const link = await connectWorker();
    const loaded = loadConfig(configFile);
    const logger = createLogger(loaded.config.logging.level).child({ worker: link.worker });
    server = await startServer({ loaded, logger, mount, worker: link });
    link.ready(server.listeners.map((l) => ({ name: l.name, url: l.url })));
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (why: string) => {
        if (stopping) return;
        stopping = true;
        server.runtime.logger.info({ reason: why }, `worker ${link.worker}: ${why}; draining and stopping`);
        void server.stop().then(resolve);
      };
      link.onStop(() => stop('asked by the primary'));
      process.once('SIGTERM', () => stop('received SIGTERM'));
      process.once('SIGINT', () => stop('received SIGINT'));
      process.once('disconnect', () => stop('the primary is gone'));
      // SIGUSR2 asks the primary to rotate the ticket keys; `systemctl kill -s USR2` also reaches the
      // workers, whom it would otherwise terminate (Node's default).
      process.on('SIGUSR2', () => undefined);
    });
    // The IPC channel would keep this process alive.
    if (process.connected) process.disconnect();
  } catch (err) {
    const known = err instanceof ConfigError || err instanceof PluginError;
    process.stderr.write(`tessera worker: cannot start: ${known ? (err as Error).message : ((err as Error).stack ?? err)}\n`);
    return known ? 2 : 1;
  }
  return 0;
}
