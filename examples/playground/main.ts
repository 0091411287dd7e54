/**
 * `npm run playground -- --config examples/playground/playground.toml` (or flags): the sample OAuth
 * client of the guides, the role WSO2's playground2 plays there. Logs one line when ready.
 */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { USAGE, PlaygroundConfigError, loadPlaygroundConfig } from './config.ts';
import { createPlayground } from './app.ts';

async function main(argv: string[]): Promise<number> {
  let config;
  try {
    config = loadPlaygroundConfig(argv);
  } catch (err) {
    if (!(err instanceof PlaygroundConfigError)) throw err;
    process.stderr.write(`playground: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (!config) {
    process.stdout.write(USAGE);
    return 0;
  }
  let port = config.port;
  const callbackUrl = () => config.callbackUrl || `http://localhost:${port}/oauth2client`;
  const playground = createPlayground(config, callbackUrl);
  const server = serve({ fetch: playground.app.fetch, hostname: config.host, port: config.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch((err: Error) => {
    process.stderr.write(`playground: cannot listen on ${config.host}:${config.port}: ${err.message}\n`);
    process.exit(1);
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}/`;
  process.stdout.write(
    `Playground ready: ${url} (Tessera ${config.tesseraUrl}, client ${config.clientId || '(none)'}, ` +
      `certificate ${config.tls ? config.tls.certificateFile : '(none)'}, callback ${callbackUrl()})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await playground.close();
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
