/**
 * The 1-node vs 2-node figure, on the cluster launcher the cluster tests use (test/support/cluster.ts):
 * nginx terminates TLS and asks for the client certificate, forwards it URL-encoded in a header to
 * Tessera nodes on plain HTTP, and the nodes share one PostgreSQL schema. Everything the launcher
 * starts (nodes, nginx) is pinned to the server core like the other servers; PostgreSQL is the
 * machine's shared server and is not (its CPU is not counted).
 *
 * The nodes' TOML comes from the launcher (the shipped docs/deploy files), which leaves no room for a
 * PKI trust anchor: the client here is `self_signed_tls_client_auth` (its certificate registered),
 * with certificate-bound opaque tokens. Nodes log at "warn": the launcher keeps every log line in the
 * benchmark's own memory, on the load generator's core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { openStore } from '../../core/store/open-store.ts';
import { FORM, benchPost, issueBenchTokens, selfSignedBenchClient } from './bound-client.ts';
import { runLoad, type CellResult, type LoadOptions } from './load.ts';
import type { BenchPki } from './pki.ts';
import { pinProcess } from './proc.ts';

export const CLUSTER_LAUNCHER = resolve(import.meta.dirname, '..', '..', 'test', 'support', 'cluster.ts');

export function clusterLauncherAvailable(): boolean {
  return existsSync(CLUSTER_LAUNCHER);
}

export interface ClusterCell {
  nodes: number;
  scenario: 'cluster-token-opaque' | 'cluster-introspect-opaque';
  result: CellResult;
}

const CLIENT_ID = 'bench-self-signed';

interface LauncherModule {
  startCluster(options: { nodes?: number; testing?: boolean; logLevel?: string }): Promise<{
    url: string;
    nodes: readonly { pid: number }[];
    schema: string;
    databaseUrl: string;
    dir: string;
    serverCa: { certPem: string };
    stop(): Promise<void>;
  }>;
}

export async function measureCluster(
  nodes: number,
  pki: BenchPki,
  load: Omit<LoadOptions, 'pid' | 'morePids'>,
  serverCpus: string | null,
  log: (line: string) => void,
): Promise<ClusterCell[]> {
  const { startCluster } = (await import(pathToFileURL(CLUSTER_LAUNCHER).href)) as LauncherModule;
  const cluster = await startCluster({ nodes, testing: false, logLevel: 'warn' });
  try {
    const pids = [...cluster.nodes.map((n) => n.pid), ...nginxPids(cluster.dir)];
    if (serverCpus !== null) for (const pid of pids) pinProcess(pid, serverCpus);

    const store = await openStore({ url: cluster.databaseUrl, sqliteFile: '', schema: cluster.schema });
    try {
      if (!(await store.clients.get(DEFAULT_SERVER, CLIENT_ID))) await store.clients.create(selfSignedBenchClient(pki, CLIENT_ID));
    } finally {
      await store.close();
    }

    const origin = cluster.url.replace('://localhost:', '://127.0.0.1:');
    const tls = { cert: pki.clientCertPem, key: pki.clientKeyPem, ca: cluster.serverCa.certPem };
    const post = benchPost(origin, tls);
    const { tokenBody, tokens } = await issueBenchTokens(post, CLIENT_ID, 64, 'cluster');
    const check = await post('/oauth2/introspect', `token=${tokens[0]}&client_id=${CLIENT_ID}`);
    if ((check.json.cnf as Record<string, unknown> | undefined)?.['x5t#S256'] !== pki.clientThumbprint) {
      throw new Error(`cluster token not bound to the client certificate: ${JSON.stringify(check.json)}`);
    }

    const cells: ClusterCell[] = [];
    const [first, ...rest] = pids;
    for (const [scenario, path, bodies] of [
      ['cluster-token-opaque', '/oauth2/token', [tokenBody]],
      ['cluster-introspect-opaque', '/oauth2/introspect', tokens.map((t) => `token=${t}&client_id=${CLIENT_ID}`)],
    ] as const) {
      const result = await runLoad({ origin, path, headers: FORM, bodies: [...bodies], mode: 'keepalive', tls }, { ...load, pid: first, morePids: rest });
      cells.push({ nodes, scenario, result });
      log(`[cluster] ${scenario.padEnd(26)} ${nodes} node(s): ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ${result.serverCpuUsPerReq.toFixed(0)} µs CPU/req (nodes + nginx)${result.errors ? `, ${result.errors} ERRORS (${result.firstError})` : ''}`);
    }
    return cells;
  } finally {
    await cluster.stop();
  }
}

/** nginx's master (its pid file in the cluster folder) and its workers. */
function nginxPids(dir: string): number[] {
  try {
    const master = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim());
    const workers = execFileSync('pgrep', ['-P', String(master)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    return [master, ...workers];
  } catch {
    return [];
  }
}
