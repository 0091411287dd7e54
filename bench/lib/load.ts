/**
 * Runs one measurement: load-generator threads against one server child, a warm-up, then a measured
 * window. Server CPU comes from /proc/<pid>/stat read at the edges of the window (never from the
 * load generator); the load generator's own CPU is reported too, to show when it is the bottleneck.
 */
import { Worker } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { cpuTimes, memory, resetPeakRss } from './proc.ts';
import { percentile } from './stats.ts';

export type ConnectionMode = 'keepalive' | 'handshake' | 'resumed';

export interface LoadSpec {
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** Request bodies, used round-robin (several tokens to introspect, or one body). */
  bodies: string[];
  mode: ConnectionMode;
  /** Client certificate and key, and the CA for the server certificate; null for plain HTTP. */
  tls: { cert: string; key: string; ca: string } | null;
}

export interface LoadOptions {
  concurrency: number;
  workers: number;
  warmupMs: number;
  durationMs: number;
  /** Stop after this many requests instead of after durationMs (0 = by time). */
  maxRequests?: number;
  /** The server child's pid, for /proc. */
  pid: number;
  /** More processes serving the same load (cluster nodes, nginx): CPU and memory are summed. */
  morePids?: number[];
  /** Called when the measured window opens and closes (profiling). */
  onWindow?: (phase: 'start' | 'stop') => Promise<void> | void;
}

export interface CellResult {
  requests: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Server utime + stime per completed request in the window, microseconds. */
  serverCpuUsPerReq: number;
  /** The kernel's part of it (stime): TLS records and HTTP go through syscalls, so do SQLite's writes. */
  serverSysUsPerReq: number;
  /** Server CPU use in the window, fraction of one core. */
  serverCpuShare: number;
  /** Load generator CPU in the window, fraction of one core (≈1 means it may be the bottleneck). */
  clientCpuShare: number;
  peakRssMb: number;
  rssMb: number;
  peakRssReset: boolean;
  /** New connections made in the window's run (handshake modes), and how many resumed a session. */
  handshakes: number;
  resumed: number;
}

const WORKER = join(import.meta.dirname, 'load-worker.mjs');

export async function runLoad(spec: LoadSpec, options: LoadOptions): Promise<CellResult> {
  const control = new Int32Array(new SharedArrayBuffer(8));
  const workers = Math.max(1, Math.min(options.workers, options.concurrency));
  const pids = [options.pid, ...(options.morePids ?? [])];
  const cpuOf = () => pids.map(cpuTimes).reduce((a, b) => ({ user: a.user + b.user, system: a.system + b.system }));
  const peakRssReset = pids.map(resetPeakRss).every(Boolean);
  const ready: Promise<void>[] = [];
  const results = Array.from({ length: workers }, (_, w) => {
    const share = Math.floor(options.concurrency / workers) + (w < options.concurrency % workers ? 1 : 0);
    const worker = new Worker(WORKER, {
      workerData: { ...spec, concurrency: share, control: control.buffer, maxRequests: options.maxRequests ?? 0, offset: w * 7919 },
    });
    ready.push(new Promise((resolve) => worker.once('message', () => resolve())));
    return new Promise<WorkerResult>((resolve, reject) => {
      worker.on('message', (m: WorkerResult | { type: 'ready' }) => m.type === 'result' && resolve(m));
      worker.once('error', reject);
      worker.once('exit', (code) => code !== 0 && reject(new Error(`load worker exited with ${code}`)));
    });
  });

  // Threads load undici before they send anything: the warm-up starts when all of them run.
  await Promise.all(ready);
  let cpu0 = { user: 0, system: 0 };
  let client0 = process.cpuUsage();
  let started = 0;
  const open = async () => {
    await options.onWindow?.('start');
    cpu0 = cpuOf();
    client0 = process.cpuUsage();
    started = performance.now();
    Atomics.store(control, 0, 1);
  };
  if (options.maxRequests) {
    // By count: measure from the first request to the last (no warm-up).
    await open();
    while (Atomics.load(control, 0) !== 2) await sleep(50);
  } else {
    await sleep(options.warmupMs);
    await open();
    await sleep(options.durationMs);
  }
  Atomics.store(control, 0, 2);
  const cpu1 = cpuOf();
  const cpuUs = cpu1.user + cpu1.system - cpu0.user - cpu0.system;
  const client = process.cpuUsage(client0);
  const seconds = (performance.now() - started) / 1000;
  await options.onWindow?.('stop');
  const mem = pids.map(memory).reduce((a, b) => ({ rssKb: a.rssKb + b.rssKb, hwmKb: a.hwmKb + b.hwmKb }));

  const parts = await Promise.all(results);
  const requests = parts.reduce((n, p) => n + p.count, 0);
  const all = new Float64Array(requests);
  let at = 0;
  for (const p of parts) {
    all.set(p.latencies, at);
    at += p.latencies.length;
  }
  all.sort();
  return {
    requests,
    errors: parts.reduce((n, p) => n + p.errors, 0),
    firstError: parts.find((p) => p.firstError)?.firstError ?? null,
    seconds,
    rps: requests / seconds,
    p50Ms: percentile(all, 0.5),
    p99Ms: percentile(all, 0.99),
    serverCpuUsPerReq: requests > 0 ? cpuUs / requests : NaN,
    serverSysUsPerReq: requests > 0 ? (cpu1.system - cpu0.system) / requests : NaN,
    serverCpuShare: cpuUs / 1e6 / seconds,
    clientCpuShare: (client.user + client.system) / 1e6 / seconds,
    peakRssMb: mem.hwmKb / 1024,
    rssMb: mem.rssKb / 1024,
    peakRssReset,
    handshakes: parts.reduce((n, p) => n + p.handshakes, 0),
    resumed: parts.reduce((n, p) => n + p.resumed, 0),
  };
}

interface WorkerResult {
  type: 'result';
  count: number;
  errors: number;
  firstError: string | null;
  handshakes: number;
  resumed: number;
  latencies: Float64Array;
}
