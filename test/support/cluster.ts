/**
 * A real Tessera cluster for tests and benchmarks: N nodes, each a separate `tessera start` child
 * process (so a SIGKILL is a real crash), sharing a fresh PostgreSQL schema, behind a real nginx that
 * terminates TLS, asks for client certificates and forwards them in a header — configured with the
 * directives shipped in docs/deploy/ (test/support/cluster-config.ts renders both).
 *
 *   const cluster = await startCluster({ nodes: 2 });
 *   await call(`${cluster.url}/oauth2/token`, { ... });        // round robin through nginx
 *   await call(`${cluster.nodes[0].pinnedUrl}/oauth2/token`);  // through nginx, to node a only
 *   await cluster.nodes[0].kill('SIGKILL');
 *   await cluster.stop();                                       // nginx, nodes, schema: all gone
 *
 * nginx runs unprivileged-style from a temporary folder (`-p <dir> -c <dir>/nginx.conf`, no daemon,
 * pid, logs and temporary files inside): the system's nginx service is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { renderNginxConfig, renderNodeToml } from './cluster-config.ts';
import { freePort } from './free-port.ts';
import { eachLine } from './line-stream.ts';
import { dropSchema, uniqueSchema } from './postgres.ts';
import { chainPem, createCa, createLeaf, type Issued } from './pki.ts';

export const CLUSTER_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const CERTIFICATE_HEADER = 'X-Client-Cert';
/** Debian's nginx, as scripts/install-system-packages.sh installs it (npm test's pretest); else the PATH's. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
const NODE_NAMES = 'abcdefghij';

export interface ClusterOptions {
  /** Number of nodes, default 2 (named a, b, ...). */
  nodes?: number;
  /** Default: a fresh `tessera_cluster_<hex>` schema, dropped by stop(). */
  schema?: string;
  databaseUrl?: string;
  /** deployment.toml lines appended to every node's file (e.g. `[oauth]\naccess_token_lifetime = 60`). */
  nodeToml?: string;
  /** Default "info". */
  logLevel?: string;
  /** Every node's `[server] drain_delay_ms` (default: not set, 0). */
  drainDelayMs?: number;
  /** `[server] workers` of every node, or of each node in order (default: not set, 1). */
  workers?: number | readonly number[];
  /** Default "admin". */
  superAdminPassword?: string;
  /** nginx worker_processes, default 1. */
  nginxWorkers?: number;
  /**
   * Default true: per node an extra nginx port that proxies to that node alone (`pinnedUrl`), and
   * `X-Tessera-Upstream` on every response. Benchmarks measuring nginx as shipped may switch it off.
   */
  testing?: boolean;
  /** Milliseconds to wait for each node's "ready" line, default 60 s. */
  startTimeoutMs?: number;
  /** Default /usr/sbin/nginx, else `nginx` from the PATH. */
  nginxBinary?: string;
}

export interface ClusterNode {
  /** a, b, ... */
  readonly name: string;
  /**
   * The node's own plain-HTTP listener, bypassing nginx. The caller (127.0.0.1) is a trusted proxy
   * there, so a certificate header sent to this URL is believed: use it to simulate nginx, or not at all.
   */
  readonly url: string;
  /** host:port, as nginx reports it in `$upstream_addr` (X-Tessera-Upstream). */
  readonly address: string;
  /** https through nginx to this node only (null when `testing` is off). */
  readonly pinnedUrl: string | null;
  readonly pid: number;
  /** stdout and stderr lines (JSON log lines) of the current process. */
  readonly logs: string[];
  /** Resolves with the exit code, or the signal name, when the process has ended. */
  readonly exited: Promise<number | string>;
  readonly alive: boolean;
  /** Sends the signal (default SIGTERM: drain and exit 0) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
  /**
   * A rolling restart's step: SIGTERM, wait for the exit, start again with the same file on the same
   * port, wait for /health 200. Resolves with the old process's exit code; pid, logs and exited are
   * the new process's afterwards.
   */
  restart(): Promise<number | string>;
}

export interface Cluster {
  /** https://localhost:<port>: nginx, round robin over the nodes. */
  readonly url: string;
  readonly nodes: readonly ClusterNode[];
  readonly schema: string;
  readonly databaseUrl: string;
  readonly dir: string;
  /** The CA of nginx's server certificate (tests skip verification, as curl -k does). */
  readonly serverCa: Issued;
  /** The rendered nginx.conf. */
  readonly nginxConfig: string;
  nginxAccessLog(): string[];
  nginxErrorLog(): string;
  /** Stops nginx and the nodes still running, drops the schema (unless given) and the folder. */
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.nodes ?? 2;
  const testing = options.testing ?? true;
  const databaseUrl = options.databaseUrl ?? CLUSTER_DATABASE_URL;
  const schema = options.schema ?? uniqueSchema('tessera_cluster');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  // nginx workers drop to an unprivileged user when started as root: they must reach their temp files.
  chmodSync(dir, 0o755);
  const processes: ChildProcess[] = [];
  const killAll = () => processes.forEach((p) => p.exitCode === null && p.signalCode === null && p.kill('SIGKILL'));
  process.once('exit', killAll);

  const cleanup = async (nodes: ClusterNode[], nginx: ChildProcess | null) => {
    if (nginx) await stopProcess(nginx, 'SIGTERM', 5_000);
    await Promise.all(nodes.filter((n) => n.alive).map((n) => stopProcess(processOf(n), 'SIGTERM', 10_000)));
    killAll();
    process.off('exit', killAll);
    if (!options.schema) await dropSchema(schema, databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  };

  const nodes: ClusterNode[] = [];
  let nginx: ChildProcess | null = null;
  try {
    const nginxPort = await freePort();
    const pinnedPorts = testing ? await Promise.all(Array.from({ length: count }, () => freePort())) : [];
    const publicUrl = `https://localhost:${nginxPort}`;

    const started = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        startNode({
          name: NODE_NAMES[i],
          dir: join(dir, `node-${NODE_NAMES[i]}`),
          toml: (port) =>
            renderNodeToml({
              name: NODE_NAMES[i],
              publicUrl,
              host: '127.0.0.1',
              port,
              trustedProxies: ['127.0.0.1'],
              databaseUrl,
              schema,
              certificateHeader: CERTIFICATE_HEADER,
              dataDir: 'data',
              superAdminPassword: options.superAdminPassword ?? 'admin',
              logLevel: options.logLevel ?? 'info',
              drainDelayMs: options.drainDelayMs,
              workers: typeof options.workers === 'number' ? options.workers : options.workers?.[i],
              extraToml: options.nodeToml,
            }),
          timeoutMs: options.startTimeoutMs ?? 60_000,
          processes,
        }),
      ),
    );
    nodes.push(
      ...started.map((n, i) => Object.assign(n, { pinnedUrl: testing ? `https://localhost:${pinnedPorts[i]}` : null })),
    );

    const serverCa = await createCa({ subject: 'CN=Tessera cluster test CA' });
    const serverCert = await createLeaf({ issuer: serverCa, subject: 'CN=localhost', serverAuth: true });
    writeFileSync(join(dir, 'server.crt'), chainPem(serverCert, serverCa));
    writeFileSync(join(dir, 'server.key'), serverCert.keyPem);
    const nginxConfig = renderNginxConfig({
      listen: `127.0.0.1:${nginxPort}`,
      serverName: 'localhost',
      certificateFile: join(dir, 'server.crt'),
      certificateKeyFile: join(dir, 'server.key'),
      nodes: nodes.map((n) => n.address),
      certificateHeader: CERTIFICATE_HEADER,
      workers: String(options.nginxWorkers ?? 1),
      accessLog: join(dir, 'access.log'),
      runtimeDir: dir,
      ...(testing ? { testing: { pinned: nodes.map((n, i) => ({ listen: `127.0.0.1:${pinnedPorts[i]}`, node: n.address })) } } : {}),
    });
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig);
    nginx = await startNginx(options.nginxBinary ?? NGINX, dir, processes);
    await waitForHealth(`${publicUrl}/health`, nginx, dir);

    const running = nginx;
    let stopping: Promise<void> | undefined;
    return {
      url: publicUrl,
      nodes,
      schema,
      databaseUrl,
      dir,
      serverCa,
      nginxConfig,
      nginxAccessLog: () => readLines(join(dir, 'access.log')),
      nginxErrorLog: () => readText(join(dir, 'error.log')),
      stop: () => (stopping ??= cleanup(nodes, running)),
    };
  } catch (err) {
    const logs = nodes.map((n) => `--- node ${n.name}\n${n.logs.slice(-20).join('\n')}`).join('\n');
    const nginxLog = readText(join(dir, 'error.log')).split('\n').slice(-20).join('\n');
    await cleanup(nodes, nginx).catch(() => undefined);
    throw new Error(`cluster did not start: ${(err as Error).message}\n${logs}\n--- nginx\n${nginxLog}`, { cause: err });
  }
}

const childOf = new WeakMap<ClusterNode, ChildProcess>();
function processOf(node: ClusterNode): ChildProcess {
  return childOf.get(node)!;
}

interface NodeStart {
  name: string;
  dir: string;
  /** The node's deployment.toml for a listener port. */
  toml: (port: number) => string;
  timeoutMs: number;
  processes: ChildProcess[];
}

/**
 * Starts one node on a free port and waits until its /health answers 200 (whatever the log level).
 * The port is picked before the node binds it, so another process may take it meanwhile: then the
 * node exits with EADDRINUSE and is started again on another port.
 */
async function startNode(spec: NodeStart): Promise<ClusterNode & { pinnedUrl: string | null }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNodeOnce(spec, await freePort());
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt >= 3) throw err;
    }
  }
}

class PortTaken extends Error {}

async function startNodeOnce(spec: NodeStart, port: number): Promise<ClusterNode & { pinnedUrl: string | null }> {
  mkdirSync(spec.dir, { recursive: true });
  const configFile = join(spec.dir, 'deployment.toml');
  writeFileSync(configFile, spec.toml(port));
  const url = `http://127.0.0.1:${port}`;
  let current = await spawnNode(spec, configFile, port);
  const node: ClusterNode & { pinnedUrl: string | null } = {
    name: spec.name,
    url,
    address: `127.0.0.1:${port}`,
    pinnedUrl: null,
    get pid() {
      return current.child.pid!;
    },
    get logs() {
      return current.logs;
    },
    get exited() {
      return current.exited;
    },
    get alive() {
      return current.child.exitCode === null && current.child.signalCode === null;
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (current.child.exitCode === null && current.child.signalCode === null) current.child.kill(signal);
      return current.exited;
    },
    async restart() {
      const code = await node.kill('SIGTERM');
      current = await spawnNode(spec, configFile, port);
      childOf.set(node, current.child);
      return code;
    },
  };
  childOf.set(node, current.child);
  return node;
}

interface Spawned {
  child: ChildProcess;
  logs: string[];
  exited: Promise<number | string>;
}

/** Runs `tessera start` with the node's file and waits until its /health answers 200. */
async function spawnNode(spec: NodeStart, configFile: string, port: number): Promise<Spawned> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'tessera.mjs'), 'start', '--config', configFile], {
    cwd: spec.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spec.processes.push(child);
  const logs: string[] = [];
  eachLine(child.stdout!, (line) => logs.push(line));
  eachLine(child.stderr!, (line) => logs.push(line));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + spec.timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = logs.slice(-20).join('\n');
      if (/EADDRINUSE/.test(tail)) throw new PortTaken(`port ${port} taken`);
      throw new Error(`node ${spec.name} exited (${await exited}) before it was ready:\n${tail}`);
    }
    if (Date.now() > deadline) throw new Error(`node ${spec.name} not ready after ${spec.timeoutMs} ms:\n${logs.slice(-20).join('\n')}`);
    try {
      const res = await request(`${url}/health`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
      await res.body.text();
      if (res.statusCode === 200) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, logs, exited };
}

async function startNginx(binary: string, dir: string, processes: ChildProcess[]): Promise<ChildProcess> {
  const args = ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`];
  const test = spawn(binary, ['-t', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  test.stdout!.on('data', (d) => (output += d));
  test.stderr!.on('data', (d) => (output += d));
  const code = await new Promise<number | string>((resolve) => {
    test.once('exit', (c) => resolve(c ?? 'signal'));
    // ENOENT: not installed.
    test.once('error', (err) => resolve(`${err.message} (npm test's pretest installs it: scripts/install-system-packages.sh)`));
  });
  if (code !== 0) throw new Error(`${binary} -t failed: ${code}\n${output}`);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.on('error', (err) => (output += `\n${err.message}`));
  processes.push(child);
  child.stderr!.on('data', (d) => (output += d));
  child.once('exit', (code) => {
    if (code !== 0 && code !== null) output += `\nnginx exited with ${code}`;
  });
  return child;
}

const insecure = new Agent({ connect: { rejectUnauthorized: false } });

async function waitForHealth(url: string, nginx: ChildProcess, dir: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}: ${readText(join(dir, 'error.log'))}`);
    try {
      const res = await request(url, { dispatcher: insecure });
      await res.body.text();
      if (res.statusCode === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Signals a process and waits for its exit; SIGKILL after `graceMs`. */
async function stopProcess(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readLines(file: string): string[] {
  return readText(file).split('\n').filter(Boolean);
}
