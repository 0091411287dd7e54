/**
 * The 1-worker vs 2-worker figure (`[server] workers`): `tessera start` as production runs it — a
 * primary and its workers sharing the HTTPS listener — on the default SQLite store, with the same
 * TLS settings, bundles and client certificate as the `tessera` server of the other scenarios. CPU
 * and memory are summed over the primary and its workers; all are pinned to the server core(s).
 *
 * With `workers = 1` there is no primary: it is the single process `tessera start` always was, so
 * the figure shows what the primary, the IPC and a second process cost per request. On a 2-core
 * machine (one core for the servers, one for the load generator) it cannot show scaling.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openStore } from '../../core/store/open-store.ts';
import { FORM, MTLS_BUNDLES_TOML, benchPost, issueBenchTokens, selfSignedBenchClient } from './bound-client.ts';
import { runLoad, type CellResult, type LoadOptions } from './load.ts';
import type { BenchPki } from './pki.ts';
import { pinProcess } from './proc.ts';

export interface WorkersCell {
  workers: number;
  scenario: 'workers-token-opaque' | 'workers-introspect-opaque';
  result: CellResult;
}

const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');
const CLIENT_ID = 'bench-workers';

export async function measureWorkers(
  workers: number,
  dir: string,
  pki: BenchPki,
  load: Omit<LoadOptions, 'pid' | 'morePids'>,
  serverCpus: string | null,
  log: (line: string) => void,
): Promise<WorkersCell[]> {
  mkdirSync(dir, { recursive: true });
  const sqliteFile = join(dir, 'data', 'tessera.db');
  const configFile = join(dir, 'deployment.toml');
  writeFileSync(
    configFile,
    `[server]
hostname = "localhost"
data_dir = ${JSON.stringify(join(dir, 'data'))}
workers = ${workers}

[database]
sqlite_file = ${JSON.stringify(sqliteFile)}

[transport.https]
host = "127.0.0.1"
port = 0
cert_file = ${JSON.stringify(pki.serverCertFile)}
key_file = ${JSON.stringify(pki.serverKeyFile)}
clientAuth = "want"
truststore = ${JSON.stringify(pki.caFile)}

${MTLS_BUNDLES_TOML}`,
  );
  const logFile = join(dir, 'tessera.log');
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'tessera.mjs'), 'start', '--config', configFile], { cwd: dir, stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    const { origin, pids } = await ready(logFile, child.pid!, workers, () => child.exitCode !== null);
    if (serverCpus !== null) for (const pid of pids) pinProcess(pid, serverCpus);

    // The client straight into the store (a client id not yet seen is looked up on every request).
    const store = await openStore({ url: null, sqliteFile });
    try {
      await store.clients.create(selfSignedBenchClient(pki, CLIENT_ID));
    } finally {
      await store.close();
    }

    const tls = { cert: pki.clientCertPem, key: pki.clientKeyPem, ca: pki.caPem };
    const post = benchPost(origin, tls);
    const { tokenBody, tokens } = await issueBenchTokens(post, CLIENT_ID, 64, 'workers');
    // Correctness first: every token (issued on either worker) introspects, bound, on any worker.
    for (const token of tokens.slice(0, 8)) {
      const check = await post('/oauth2/introspect', `token=${token}&client_id=${CLIENT_ID}`);
      if (check.json.active !== true || (check.json.cnf as Record<string, unknown> | undefined)?.['x5t#S256'] !== pki.clientThumbprint) {
        throw new Error(`workers token not active and bound: ${JSON.stringify(check.json)}`);
      }
    }

    const cells: WorkersCell[] = [];
    const [first, ...rest] = pids;
    for (const [scenario, path, bodies] of [
      ['workers-token-opaque', '/oauth2/token', [tokenBody]],
      ['workers-introspect-opaque', '/oauth2/introspect', tokens.map((t) => `token=${t}&client_id=${CLIENT_ID}`)],
    ] as const) {
      const result = await runLoad({ origin, path, headers: FORM, bodies: [...bodies], mode: 'keepalive', tls }, { ...load, pid: first, morePids: rest });
      cells.push({ workers, scenario, result });
      log(`[workers] ${scenario.padEnd(26)} ${workers} worker(s): ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ${result.serverCpuUsPerReq.toFixed(0)} µs CPU/req (primary + workers)${result.errors ? `, ${result.errors} ERRORS (${result.firstError})` : ''}`);
    }
    return cells;
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

/** Waits for the ready line (the primary's with several workers); returns the HTTPS origin and every pid. */
async function ready(logFile: string, pid: number, workers: number, gone: () => boolean): Promise<{ origin: string; pids: number[] }> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const lines = readFileSync(logFile, 'utf8').split('\n');
    for (const line of lines) {
      if (!line.includes('Tessera ready')) continue;
      const parsed = JSON.parse(line) as { role?: string; listeners: { name: string; url: string }[]; pids?: Record<string, number> };
      if (workers > 1 && parsed.role !== 'primary') continue;
      const url = parsed.listeners.find((l) => l.name === 'https')!.url;
      return { origin: url.replace('://localhost:', '://127.0.0.1:'), pids: [pid, ...Object.values(parsed.pids ?? {})] };
    }
    if (gone()) throw new Error(`tessera start exited before it was ready; see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`tessera start not ready within 180 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
