/**
 * One benchmarked server = one child process, pinned to the server core when taskset exists, with
 * its log going to a file (not through the load generator's core). The child reports its ports over
 * IPC once it listens; `stop()` asks it to drain and exit (so a --cpu-prof profile gets written).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchPki } from './pki.ts';
import { taskset } from './proc.ts';
import { CERT_HEADER } from './scenarios.ts';

/** `tessera-revocation`: `tessera` plus the certificate-revocation bundle (hard_fail, the bench CA's CRL file). */
export type ServerKind = 'ceiling' | 'oidc' | 'oidc-sqlite' | 'tessera' | 'tessera-revocation';

export interface ServerConfig {
  kind: ServerKind;
  /** Working folder of this child (config, data, log). */
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientDn: string;
  /** Header carrying the URL-encoded client certificate in proxy mode. */
  certificateHeader: string;
  /** Tessera: rows to seed into the access token table before start (0 = none). */
  seedRows?: number;
  /** Tessera: seed, report `seeded`, exit (the server child then finds the rows there). */
  seedOnly?: boolean;
  /** Tessera: an existing SQLite file to use instead of a fresh one. */
  sqliteFile?: string;
  /** Tessera: a postgres:// URL instead of the SQLite default (and the schema to use). */
  databaseUrl?: string;
  databaseSchema?: string;
  /** oidc-provider: its store ("memory", its default, or "sqlite"). */
  adapter?: 'memory' | 'sqlite';
  clientThumbprint: string;
  /** Tessera: also serve the steps of `--breakdown` (bench/servers/breakdown-routes.ts). */
  breakdown?: boolean;
  /** tessera-revocation: the CRL file for `[oauth.mutualtls.revocation] crl_files`. */
  crlFile?: string;
}

/** A server of `kind` in `dir` (created), with the bench PKI's certificates and the client it expects. */
export function benchServerConfig(kind: ServerKind, dir: string, pki: BenchPki): ServerConfig {
  mkdirSync(dir, { recursive: true });
  return {
    kind,
    dir,
    caFile: pki.caFile,
    serverCertFile: pki.serverCertFile,
    serverKeyFile: pki.serverKeyFile,
    clientDn: pki.clientDn,
    clientThumbprint: pki.clientThumbprint,
    certificateHeader: CERT_HEADER,
  };
}

export interface ReadyMessage {
  type: 'ready' | 'seeded';
  https: number;
  http: number;
  /** Tessera with seeding: token values spread across the seeded rows, for introspection. */
  sampleTokens?: string[];
  seedSeconds?: number;
}

export interface RunningServer {
  kind: ServerKind;
  pid: number;
  httpsOrigin: string;
  httpOrigin: string;
  ready: ReadyMessage;
  logFile: string;
  /** Sends an IPC message and waits for the child's answer of type `reply`. */
  ask(message: Record<string, unknown>, reply: string): Promise<void>;
  stop(): Promise<void>;
}

export const BENCH_ROOT = resolve(import.meta.dirname, '..');
const PROJECT_ROOT = resolve(BENCH_ROOT, '..');

const ENTRY: Record<ServerKind, string[]> = {
  ceiling: [join(BENCH_ROOT, 'servers', 'ceiling.mjs')],
  oidc: [join(BENCH_ROOT, 'servers', 'oidc-provider.mjs')],
  'oidc-sqlite': [join(BENCH_ROOT, 'servers', 'oidc-provider.mjs')],
  // Through the project's TypeScript runner, as bin/tessera.mjs runs the server in production.
  tessera: [join(PROJECT_ROOT, 'bin', 'run-ts.mjs'), join(BENCH_ROOT, 'servers', 'tessera.ts')],
  'tessera-revocation': [join(PROJECT_ROOT, 'bin', 'run-ts.mjs'), join(BENCH_ROOT, 'servers', 'tessera.ts')],
};

export interface StartOptions {
  /** CPU list for taskset, e.g. "0"; null = not pinned. */
  cpus: string | null;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  timeoutMs?: number;
  /** Tessera from another checkout (its bin/ and bench/servers/), for A/B runs (bench/ab.ts). */
  projectRoot?: string;
}

export async function startServer(config: ServerConfig, options: StartOptions): Promise<RunningServer> {
  const configFile = join(config.dir, 'bench-server.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = join(config.dir, `${config.kind}.log`);
  const log = openSync(logFile, 'a');
  const entry = options.projectRoot && config.kind.startsWith('tessera') ? [join(options.projectRoot, 'bin', 'run-ts.mjs'), join(options.projectRoot, 'bench', 'servers', 'tessera.ts')] : ENTRY[config.kind];
  const nodeArgs = [...(options.nodeFlags ?? []), ...entry, configFile];
  const bin = options.cpus !== null ? taskset() : null;
  const [command, args] = bin ? [bin, ['-c', options.cpus!, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(command, args, {
    cwd: config.dir,
    stdio: ['ignore', log, log, 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  closeSync(log);
  const ready = await waitReady(child, options.timeoutMs ?? 600_000, logFile);
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
  return {
    kind: config.kind,
    // taskset execs node: the pid is the server's own.
    pid: child.pid!,
    httpsOrigin: `https://127.0.0.1:${ready.https}`,
    httpOrigin: `http://127.0.0.1:${ready.http}`,
    ready,
    logFile,
    ask(message, reply) {
      return new Promise((done) => {
        const listener = (m: { type?: string }) => {
          if (m?.type !== reply) return;
          child.off('message', listener);
          done();
        };
        child.on('message', listener);
        child.send(message);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ type: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function waitReady(child: ChildProcess, timeoutMs: number, logFile: string): Promise<ReadyMessage> {
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server child did not report ready within ${timeoutMs} ms; see ${logFile}`));
    }, timeoutMs);
    child.once('message', (message: ReadyMessage) => {
      clearTimeout(timer);
      resolveReady(message);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server child exited (${code ?? signal}) before it was ready; see ${logFile}`));
    });
  });
}

/** Runs a Tessera child that only seeds its SQLite file (see ServerConfig.seedOnly). */
export async function seedTessera(config: ServerConfig, cpus: string | null): Promise<ReadyMessage> {
  const { writeFileSync } = await import('node:fs');
  const configFile = join(config.dir, 'bench-seed.json');
  writeFileSync(configFile, JSON.stringify({ ...config, seedOnly: true }, null, 2));
  const logFile = join(config.dir, 'seed.log');
  const log = openSync(logFile, 'a');
  const bin = cpus !== null ? taskset() : null;
  const nodeArgs = [...ENTRY.tessera, configFile];
  const [command, args] = bin ? [bin, ['-c', cpus!, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(command, args, { cwd: config.dir, stdio: ['ignore', log, log, 'ipc'] });
  closeSync(log);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const message = await waitReady(child, 1_800_000, logFile);
  await exited;
  return message;
}
