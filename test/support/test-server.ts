/**
 * Starts the real Tessera server for a test: a temporary folder with its own deployment.toml
 * (ephemeral ports, its own data folder), real HTTPS with a generated server certificate, the real
 * plugin loader. Logs are captured so tests can assert on them (and on what never appears in them).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import type { Hono } from 'hono';
import type { Client } from '../../core/api/model.ts';
import { loadConfig } from '../../core/config/load-config.ts';
import { hashClientSecret } from '../../core/crypto/secret-hash.ts';
import type { TesseraEnv } from '../../core/http/hono-env.ts';
import { createLogger } from '../../core/logging/logger.ts';
import type { CoreRuntime } from '../../core/runtime/core-runtime.ts';
import type { Clock } from '../../core/time/clock.ts';
import { startServer, type RunningTessera } from '../../core/runtime/start-server.ts';
import type { RunningListener } from '../../core/transport/listeners.ts';
import { aClient } from './client-builder.ts';

export interface TestServerOptions {
  /** deployment.toml text appended after the test defaults (ports 0, temp data_dir). */
  toml?: string;
  /** More files to write next to deployment.toml (certificates, truststores). */
  files?: Record<string, string>;
  /** Defaults to `[server] dropins_dir`, else the project's built dropins/. */
  dropinsDir?: string;
  /** Keep the folder (restart tests reuse it). */
  dir?: string;
  mount?: (app: Hono<TesseraEnv>, runtime: CoreRuntime) => void;
  /** The server's clock; a TestClock lets a test move time instead of waiting it out. */
  clock?: Clock;
}

export interface TestServer {
  running: RunningTessera;
  runtime: CoreRuntime;
  dir: string;
  /** https://localhost:PORT */
  url: string;
  logs: string[];
  /** A listener's base URL (`https`, `mtls`, `http`, `metrics`); a TLS one at localhost, the name the server certificate carries. */
  listenerUrl(name: RunningListener['name']): string;
  createClient(fields: Partial<Client> & { clientId: string; secret?: string }): Promise<Client>;
  stop(): Promise<void>;
  /** Stops and removes the folder. */
  dispose(): Promise<void>;
}

const BASE_TOML = `
[transport.https]
port = 0
host = "127.0.0.1"

[logging]
level = "debug"
`;

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tessera-test-'));
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content);
  const configFile = join(dir, 'deployment.toml');
  writeFileSync(configFile, mergeToml(BASE_TOML, options.toml ?? ''));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const loaded = loadConfig(configFile);
  const logger = createLogger(loaded.config.logging.level, sink);
  const running = await startServer({ loaded, logger, dropinsDir: options.dropinsDir, mount: options.mount, clock: options.clock });
  const listenerUrl = (name: RunningListener['name']) => {
    const base = running.url(name);
    return base.startsWith('https:') ? base.replace('127.0.0.1', 'localhost') : base;
  };
  const url = listenerUrl('https') || running.url('http');
  return {
    running,
    runtime: running.runtime,
    dir,
    url,
    logs,
    listenerUrl,
    createClient: (fields) => createClient(running.runtime, fields),
    stop: () => running.stop(1000),
    async dispose() {
      await running.stop(1000);
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The test's deployment.toml: the defaults (ephemeral HTTPS port on loopback, debug logs) with the
 * test's own TOML merged over them, table by table: a key the test sets wins, the others stay.
 * Arrays of tables (`[[event_listener]]`) are the test's alone.
 */
function mergeToml(base: string, extra: string): string {
  return stringifyToml(deepMerge(parseToml(base), parseToml(extra)));
}

type TomlTable = Record<string, unknown>;

function deepMerge(base: TomlTable, extra: TomlTable): TomlTable {
  const merged: TomlTable = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const earlier = merged[key];
    merged[key] = isTable(earlier) && isTable(value) ? deepMerge(earlier, value) : value;
  }
  return merged;
}

function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export async function createClient(runtime: CoreRuntime, fields: Partial<Client> & { clientId: string; secret?: string }): Promise<Client> {
  const { secret, ...rest } = fields;
  return runtime.store.clients.create(
    aClient({
      secretHash: secret ? hashClientSecret(secret) : null,
      grantTypes: ['client_credentials', 'password', 'authorization_code', 'refresh_token'],
      responseTypes: ['code'],
      redirectUris: ['https://client.example.com/callback'],
      ...rest,
    }),
  );
}
