/**
 * `npm run bench` — Tessera side by side with node-oidc-provider and a raw node:https ceiling, on
 * loopback, same TLS settings, same client certificate, same load. See bench/README.md.
 *
 *   npm run bench                 full run (~20 minutes): 5 rounds x every server x every scenario, table
 *                                 sizes 1e4 / 1e6, 1 vs 2 cluster nodes
 *   npm run bench -- --quick      a smoke run (1-2 minutes): 1 short round, no oidc-provider+SQLite, table sizes 1e4 / 1e5
 *   npm run bench -- --million    RSS after one million tokens issued (oidc-provider, Tessera)
 *   npm run bench -- --profile    CPU profile of Tessera's measured windows, top self-time functions
 *                                 (--servers tessera,tessera-revocation: each variant in turn)
 *   npm run bench -- --breakdown  Tessera's token request in steps (raw listener, route, certificate, form,
 *                                 client auth, token), each against the ceiling: new-connection and keep-alive
 *
 * Options: --rounds N --duration S --warmup S --concurrency N --workers N --scenarios a,b
 *          --servers ceiling,oidc,oidc-sqlite,tessera,tessera-revocation --seed-sizes 10000,1000000 --million-count N
 *          --tessera-db postgres://... --no-cluster --no-pin --keep --out FILE
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clusterLauncherAvailable, measureCluster } from './lib/cluster-figure.ts';
import { measureWorkers } from './lib/workers-figure.ts';
import { runLoad, type CellResult, type LoadOptions, type LoadSpec } from './lib/load.ts';
import { createBenchPki, type BenchPki } from './lib/pki.ts';
import { cpuModel, loadAverage, memory, pinProcess, taskset } from './lib/proc.ts';
import { renderTable, renderTargets, ratios, revocationRounds, summarise, targets, type Cell } from './lib/report.ts';
import { SCENARIOS, SetupClient, prepare, prepareSeeded, type Scenario } from './lib/scenarios.ts';
import { BENCH_ROOT, benchServerConfig, seedTessera, startServer, type RunningServer, type ServerConfig, type ServerKind } from './lib/server-process.ts';
import { renderProfile, summariseProfile } from './profile-summary.ts';
import { measureBreakdown, renderBreakdown, summariseBreakdown } from './lib/breakdown.ts';
import { leastSquaresSlope } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    million: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    breakdown: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    workers: { type: 'string', default: '2' },
    scenarios: { type: 'string' },
    servers: { type: 'string' },
    'seed-sizes': { type: 'string' },
    'million-count': { type: 'string', default: '1000000' },
    'key-alg': { type: 'string', default: 'EC' },
    'no-pin': { type: 'boolean', default: false },
    'no-cluster': { type: 'boolean', default: false },
    'no-server-workers': { type: 'boolean', default: false },
    'server-workers': { type: 'string', default: '1,2' },
    'tessera-db': { type: 'string' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  strict: true,
});

const quick = values.quick;
const options = {
  rounds: Number(values.rounds ?? (quick ? 1 : 5)),
  warmupMs: 1000 * Number(values.warmup ?? (quick ? 0.5 : 1.5)),
  durationMs: 1000 * Number(values.duration ?? (quick ? 1.2 : 4)),
  concurrency: Number(values.concurrency),
  workers: Number(values.workers),
  // --quick leaves out oidc-provider on SQLite (a fourth server start per round).
  servers: (values.servers ?? (quick ? 'ceiling,oidc,tessera,tessera-revocation' : 'ceiling,oidc,oidc-sqlite,tessera,tessera-revocation')).split(',').map((s) => s.trim()) as ServerKind[],
  scenarios: values.scenarios ? values.scenarios.split(',').map((s) => s.trim()) : null,
  seedSizes: (values['seed-sizes'] ?? (quick ? '10000,100000' : '10000,1000000')).split(',').filter(Boolean).map(Number),
  millionCount: Number(values['million-count']),
  keyAlg: values['key-alg'] === 'RSA' ? ('RSA' as const) : ('EC' as const),
};
for (const s of options.servers) if (!['ceiling', 'oidc', 'oidc-sqlite', 'tessera', 'tessera-revocation'].includes(s)) throw new Error(`unknown server ${s}`);
const selected: Scenario[] = SCENARIOS.filter((s) => !options.scenarios || options.scenarios.includes(s.id));
const tableScenarios = ['table-issue-opaque', 'table-introspect-opaque'].filter((id) => !options.scenarios || options.scenarios.includes(id));
const clusterWanted = !values['no-cluster'] && options.servers.includes('tessera') && (!options.scenarios || options.scenarios.some((id) => id.startsWith('cluster')));
/** How often the million-token run samples the server's RSS. */
const RSS_SAMPLE_MS = 5000;
/** Tessera with revocation on and off loaded side by side (issue #17's ratio). */
const PAIRED = 'token-opaque-paired';
const pairedWanted = options.servers.includes('tessera') && options.servers.includes('tessera-revocation') && (!options.scenarios || options.scenarios.includes('token-opaque') || options.scenarios.includes(PAIRED));
const workersWanted = !values['no-server-workers'] && options.servers.includes('tessera') && (!options.scenarios || options.scenarios.some((id) => id.startsWith('workers-')));

// Servers on core 0, the load generator (this process and its worker threads) on core 1.
const pin = !values['no-pin'] && taskset() !== null && availableParallelism() >= 2;
const serverCpus = pin ? '0' : null;
if (pin) pinProcess(process.pid, '1');

let schemas = 0;
const resultsDir = join(BENCH_ROOT, 'results');
mkdirSync(resultsDir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const log = (line: string) => process.stderr.write(`${line}\n`);

const machine = {
  cpus: cpus().length,
  model: cpuModel(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  pinned: pin ? { servers: 'cpu 0', loadGenerator: 'cpu 1' } : null,
  commit: git(['rev-parse', '--short', 'HEAD']),
  // Pathspecs from the repository root (git runs in bench/).
  dirty: git(['status', '--porcelain', '--', ':/core', ':/plugins', ':/bench']) !== '',
};

const pki = await createBenchPki(work, options.keyAlg);
const setup = new SetupClient(pki);
const loadBefore = loadAverage();
log(`tessera bench: ${command}`);
log(`machine: ${machine.cpus} cpus, ${machine.model}, node ${machine.node}, load average ${loadBefore.join(' ')}${pin ? '; servers pinned to cpu 0, load generator to cpu 1' : '; not pinned'}`);

try {
  if (values.million) await runMillion();
  else if (values.profile) await runProfile();
  else if (values.breakdown) await runBreakdown();
  else await runMain();
} finally {
  await setup.close();
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
}

function serverConfig(kind: ServerKind, dir: string, extra: Partial<ServerConfig> = {}): ServerConfig {
  return {
    ...benchServerConfig(kind, dir, pki),
    ...(kind === 'oidc-sqlite' ? { adapter: 'sqlite' as const } : {}),
    // --tessera-db postgres://...: Tessera on PostgreSQL (a fresh schema per child) instead of SQLite.
    ...(kind === 'tessera-revocation' ? { crlFile: pki.crlFile } : {}),
    ...((kind === 'tessera' || kind === 'tessera-revocation') && values['tessera-db'] ? { databaseUrl: values['tessera-db'], databaseSchema: `tessera_bench_${process.pid}_${++schemas}` } : {}),
    ...extra,
  };
}

function loadOptions(server: RunningServer, extra: Partial<LoadOptions> = {}): LoadOptions {
  return {
    concurrency: options.concurrency,
    workers: options.workers,
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    pid: server.pid,
    ...extra,
  };
}

/** The machine, the commit and the run's settings, as the printed tables are headed. */
function describeRun(loadAfter: readonly number[]): string {
  return (
    `${machine.cpus} cpus (${machine.model}), node ${machine.node}, commit ${machine.commit}${machine.dirty ? '+dirty' : ''}; ` +
    `load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}; ${options.rounds} round(s) x ${options.durationMs / 1000}s (+${options.warmupMs / 1000}s warm-up), ` +
    `C=${options.concurrency}`
  );
}

function describe(result: CellResult): string {
  return `${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ${result.serverCpuUsPerReq.toFixed(0)} µs CPU/req (${result.serverSysUsPerReq.toFixed(0)} kernel), peak RSS ${result.peakRssMb.toFixed(0)} MB${result.errors ? `, ${result.errors} ERRORS (${result.firstError})` : ''}`;
}

async function runMain(): Promise<void> {
  const cells: Cell[] = [];
  const seeding: Record<string, number> = {};
  const loads: { round: number; before: number[]; after: number[] }[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const before = loadAverage();
    const running = new Map<ServerKind, RunningServer>();
    try {
      for (const kind of options.servers) {
        running.set(kind, await startServer(serverConfig(kind, join(work, `round-${round}`, kind)), { cpus: serverCpus }));
      }
      // A fresh process compiles its hot code on background threads for its first seconds, and that
      // CPU is the process's: warm every server up on tokens and introspection before measuring.
      for (const [kind, server] of running) {
        for (const id of ['token-opaque', 'introspect-opaque']) {
          const scenario = SCENARIOS.find((s) => s.id === id)!;
          if (!scenario.servers.includes(kind)) continue;
          await runLoad(await prepare(scenario, server, setup, pki), loadOptions(server, { warmupMs: 0, durationMs: Math.max(2000, options.warmupMs) }));
        }
      }
      for (const [index, scenario] of selected.entries()) {
        const kinds = rotate(scenario.servers.filter((k) => running.has(k)), round + index);
        for (const kind of kinds) {
          const server = running.get(kind)!;
          const spec = await prepare(scenario, server, setup, pki);
          const result = await runLoad(spec, loadOptions(server));
          cells.push({ round, scenario: scenario.id, server: kind, result, loadAverage: loadAverage() });
          log(`[round ${round}] ${scenario.id.padEnd(24)} ${kind.padEnd(8)} ${describe(result)}`);
        }
      }
      // Issue #17, revocation on vs off: both loaded in the same window (both on the server core), so
      // what other processes take from a shared machine hits both alike; measured one after the
      // other (token-opaque above), a 5% difference drowns in the machine's swings.
      if (pairedWanted && running.has('tessera') && running.has('tessera-revocation')) {
        const scenario = SCENARIOS.find((s) => s.id === 'token-opaque')!;
        const pair = rotate(['tessera', 'tessera-revocation'] as const, round);
        const specs: LoadSpec[] = [];
        for (const kind of pair) specs.push(await prepare(scenario, running.get(kind)!, setup, pki));
        const results = await Promise.all(pair.map((kind, i) => runLoad(specs[i], loadOptions(running.get(kind)!))));
        for (const [i, kind] of pair.entries()) {
          cells.push({ round, scenario: PAIRED, server: kind, result: results[i], loadAverage: loadAverage() });
          log(`[round ${round}] ${PAIRED.padEnd(24)} ${kind.padEnd(8)} ${describe(results[i])}`);
        }
      }
    } finally {
      for (const server of running.values()) await server.stop();
    }

    // Table size: Tessera alone, with N bound tokens seeded straight into its SQLite file.
    if (options.servers.includes('tessera') && tableScenarios.length > 0) {
      for (const size of options.seedSizes) {
        const label = `tessera-${sizeLabel(size)}` as const;
        const seedConfig = serverConfig('tessera', join(work, `seed-${size}`), { seedRows: size });
        const seeded = await seedTessera(seedConfig, serverCpus);
        seeding[label] ??= seeded.seedSeconds ?? 0;
        const server = await startServer(seedConfig, { cpus: serverCpus });
        try {
          for (const [i, id] of tableScenarios.entries()) {
            const spec = await prepareSeeded(id === 'table-issue-opaque' ? 'issue' : 'introspect', server, setup, pki);
            // A fresh child: the first scenario warms the JIT up twice as long.
            const result = await runLoad(spec, loadOptions(server, i === 0 ? { warmupMs: options.warmupMs * 2 } : {}));
            cells.push({ round, scenario: id, server: label, result, loadAverage: loadAverage() });
            log(`[round ${round}] ${id.padEnd(24)} ${label.padEnd(8)} ${describe(result)}`);
          }
        } finally {
          await server.stop();
        }
      }
    }
    // 1 node vs 2 nodes behind nginx on PostgreSQL, with the cluster tests' launcher.
    if (clusterWanted && clusterLauncherAvailable()) {
      for (const nodes of rotate([1, 2], round)) {
        const measured = await measureCluster(nodes, pki, { concurrency: options.concurrency, workers: options.workers, warmupMs: options.warmupMs, durationMs: options.durationMs }, serverCpus, log);
        for (const cell of measured) cells.push({ round, scenario: cell.scenario, server: `tessera-cluster-${nodes}`, result: cell.result, loadAverage: loadAverage() });
      }
    }
    // `[server] workers` = 1 vs 2: tessera start with its primary, on SQLite.
    if (workersWanted) {
      for (const count of rotate(values['server-workers'].split(',').map(Number).filter((n) => n >= 1), round)) {
        const measured = await measureWorkers(count, join(work, `round-${round}`, `workers-${count}`), pki, { concurrency: options.concurrency, workers: options.workers, warmupMs: options.warmupMs, durationMs: options.durationMs }, serverCpus, log);
        for (const cell of measured) cells.push({ round, scenario: cell.scenario, server: `tessera-workers-${count}`, result: cell.result, loadAverage: loadAverage() });
      }
    }
    loads.push({ round, before, after: loadAverage() });
  }
  const clusterNote = !clusterWanted
    ? 'not run'
    : clusterLauncherAvailable()
      ? 'nginx (TLS, client certificate forwarded in a header) in front of Tessera nodes on one PostgreSQL schema, test/support/cluster.ts; self_signed_tls_client_auth client; nodes log at warn; PostgreSQL not pinned and its CPU not counted'
      : 'skipped: the cluster launcher test/support/cluster.ts is not in this checkout';
  if (clusterWanted && !clusterLauncherAvailable()) log(`1-node vs 2-node figure ${clusterNote}`);

  const summary = summarise(cells);
  const r = ratios(summary);
  const t = targets(r, cells);
  const revocation = revocationRounds(cells, PAIRED);
  const titles: Record<string, string> = Object.fromEntries(SCENARIOS.map((s) => [s.id, s.title]));
  titles[PAIRED] = 'client_credentials opaque, keep-alive: Tessera with revocation off and on (hard_fail, CRL file, warm) loaded at the same time, both on the server core';
  titles['table-issue-opaque'] = 'Tessera: client_credentials opaque with N rows already in the token table (SQLite)';
  titles['table-introspect-opaque'] = 'Tessera: introspection of tokens spread over N seeded rows (SQLite)';
  titles['cluster-token-opaque'] = 'Tessera cluster: client_credentials opaque through nginx, 1 vs 2 nodes on PostgreSQL (CPU: nodes + nginx)';
  titles['cluster-introspect-opaque'] = 'Tessera cluster: introspection through nginx, 1 vs 2 nodes on PostgreSQL (CPU: nodes + nginx)';
  const scaling = (id: string) => {
    const one = summary[id]?.['tessera-cluster-1'];
    const two = summary[id]?.['tessera-cluster-2'];
    return one && two ? { rps2over1: two.rps / one.rps, cpuPerReq2over1: two.serverCpuUsPerReq / one.serverCpuUsPerReq } : null;
  };
  const cluster = { note: clusterNote, token: scaling('cluster-token-opaque'), introspect: scaling('cluster-introspect-opaque') };
  titles['workers-token-opaque'] = 'Tessera [server] workers: client_credentials opaque, 1 vs 2 workers on SQLite (CPU: primary + workers)';
  titles['workers-introspect-opaque'] = 'Tessera [server] workers: introspection, 1 vs 2 workers on SQLite (CPU: primary + workers)';
  const workerScaling = (id: string) => {
    const one = summary[id]?.['tessera-workers-1'];
    const two = summary[id]?.['tessera-workers-2'];
    // With --server-workers beyond 2 the table has every count; this line compares the first two.
    return one && two ? { rps2over1: two.rps / one.rps, cpuPerReq2over1: two.serverCpuUsPerReq / one.serverCpuUsPerReq } : null;
  };
  const serverWorkers = { wanted: workersWanted, token: workerScaling('workers-token-opaque'), introspect: workerScaling('workers-introspect-opaque') };
  const loadAfter = loadAverage();
  const out = {
    generatedAt: new Date().toISOString(),
    command,
    machine: { ...machine, loadAverage: { before: loadBefore, after: loadAfter, rounds: loads } },
    options,
    summary,
    ratios: r,
    targets: t,
    cluster,
    serverWorkers,
    revocationRounds: revocation,
    seedingSeconds: seeding,
    cells,
  };
  const file = values.out ?? join(resultsDir, 'latest.json');
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);

  process.stdout.write(`\nTessera benchmark — ${command}\n${describeRun(loadAfter)}, medians over rounds\n`);
  const scalingLine = (name: string, v: { rps2over1: number; cpuPerReq2over1: number } | null) =>
    v ? `  ${name}: 2 nodes / 1 node = ${v.rps2over1.toFixed(2)}x req/s, ${v.cpuPerReq2over1.toFixed(2)}x CPU/req\n` : '';
  process.stdout.write(`${renderTable(summary, r, titles)}\n`);
  if (clusterWanted) process.stdout.write(`\nCluster (${clusterNote}):\n${scalingLine('token', cluster.token)}${scalingLine('introspection', cluster.introspect)}`);
  if (workersWanted) process.stdout.write(`\n[server] workers (all on the server core: CPU per request, not scaling):\n${scalingLine('token', serverWorkers.token)}${scalingLine('introspection', serverWorkers.introspect)}`.replace(/nodes \/ 1 node/g, 'workers / 1 worker'));
  if (revocation) {
    process.stdout.write(
      `\nrevocation on / off, loaded side by side (${PAIRED}), server CPU/req round by round: ${revocation.ratios.map((v) => v.toFixed(3)).join(' ')} (median ${revocation.median.toFixed(3)}, min ${revocation.min.toFixed(3)}, max ${revocation.max.toFixed(3)})\n`,
    );
  }
  process.stdout.write(`\nTargets (informational, never asserted):\n${renderTargets(t)}\n\nwritten ${file}\n`);
}

async function runBreakdown(): Promise<void> {
  const ids = options.scenarios ?? ['token-opaque-handshake', 'token-opaque-resumed', 'token-opaque'];
  const scenarios = ids.map((id) => {
    const scenario = SCENARIOS.find((s) => s.id === id && s.kind === 'token' && s.format === 'opaque' && !s.proxy);
    if (!scenario) throw new Error(`--breakdown measures opaque token scenarios over TLS, not ${id}`);
    return scenario;
  });
  const cells = await measureBreakdown({ rounds: options.rounds, scenarios, work, pki, setup, serverCpus, serverConfig, loadOptions, log });
  const loadAfter = loadAverage();
  const tables = Object.fromEntries(scenarios.map((s) => [s.id, summariseBreakdown(cells, s.id)]));
  const file = values.out ?? join(resultsDir, 'breakdown.json');
  writeFileSync(file, `${JSON.stringify({ generatedAt: new Date().toISOString(), command, machine: { ...machine, loadAverage: { before: loadBefore, after: loadAfter } }, options, tables, cells }, null, 2)}\n`);
  process.stdout.write(
    `\nTessera's token request in steps — ${command}\n${describeRun(loadAfter)}; ` +
      `server CPU per request, medians over rounds; "added" is the median over rounds of the step minus the step above it\n`,
  );
  for (const scenario of scenarios) process.stdout.write(`\n${renderBreakdown(`${scenario.id} — ${scenario.title}`, tables[scenario.id])}\n`);
  process.stdout.write(`\nwritten ${file}\n`);
}

interface RssTrend {
  minMb: number;
  maxMb: number;
  /** Least-squares slope, MB per minute. */
  slopeMbPerMin: number;
}

/** Range and least-squares slope of the RSS samples of the run's second half (the first is warm-up and growth to the working set). */
function rssTrend(samples: readonly { seconds: number; rssMb: number }[]): RssTrend | null {
  const half = samples.slice(Math.floor(samples.length / 2));
  if (half.length < 3) return null;
  const perSecond = leastSquaresSlope(half.map((p) => ({ x: p.seconds, y: p.rssMb })));
  return { minMb: Math.min(...half.map((p) => p.rssMb)), maxMb: Math.max(...half.map((p) => p.rssMb)), slopeMbPerMin: 60 * perSecond };
}

function describeTrend(trend: RssTrend | null): string {
  return trend ? `${trend.minMb.toFixed(0)}–${trend.maxMb.toFixed(0)} MB, slope ${trend.slopeMbPerMin >= 0 ? '+' : ''}${trend.slopeMbPerMin.toFixed(1)} MB/min` : 'too few samples';
}

async function runMillion(): Promise<void> {
  const scenario = SCENARIOS.find((s) => s.id === 'token-opaque')!;
  const rows: Record<string, unknown>[] = [];
  // tessera-revocation only when named (--servers): the default run is about memory, not revocation.
  for (const kind of options.servers.filter((k) => k !== 'ceiling' && (k !== 'tessera-revocation' || values.servers !== undefined))) {
    const dir = join(work, `million-${kind}`);
    const server = await startServer(serverConfig(kind, dir), { cpus: serverCpus });
    try {
      const startRss = memory(server.pid);
      const spec = await prepare(scenario, server, setup, pki);
      log(`${kind}: issuing ${options.millionCount} bound opaque tokens...`);
      // RSS every few seconds while issuing: "flat" is read from the second half's trend, not from two points.
      const samples: { seconds: number; rssMb: number }[] = [];
      const began = performance.now();
      const sampler = setInterval(() => samples.push({ seconds: (performance.now() - began) / 1000, rssMb: memory(server.pid).rssKb / 1024 }), RSS_SAMPLE_MS);
      let result: CellResult;
      try {
        result = await runLoad(spec, loadOptions(server, { maxRequests: options.millionCount }));
      } finally {
        clearInterval(sampler);
      }
      const end = memory(server.pid);
      const trend = rssTrend(samples);
      // Still there? The last one issued must introspect as active on both servers.
      const last = await setup.issue(server, 'opaque');
      const active = (await setup.introspect(server, last)).active === true;
      const dbBytes = kind === 'tessera' ? ['tessera.db', 'tessera.db-wal'].reduce((n, f) => n + fileSize(join(dir, 'data', f)), 0) : null;
      rows.push({
        server: kind,
        // Every request sent was answered 200 (errors below); the last few finished after the window.
        tokens: options.millionCount - result.errors,
        completedInWindow: result.requests,
        seconds: result.seconds,
        rps: result.rps,
        serverCpuUsPerReq: result.serverCpuUsPerReq,
        rssAtStartMb: startRss.rssKb / 1024,
        rssAfterMb: end.rssKb / 1024,
        peakRssMb: end.hwmKb / 1024,
        errors: result.errors,
        sqliteBytes: dbBytes,
        lastTokenActive: active,
        rssSecondHalf: trend,
        rssSamples: samples,
      });
      log(`${kind}: ${describe(result)}; RSS after ${(end.rssKb / 1024).toFixed(0)} MB${dbBytes ? `, SQLite ${(dbBytes / 2 ** 20).toFixed(0)} MB` : ''}`);
    } finally {
      await server.stop();
    }
  }
  const file = values.out ?? join(resultsDir, 'million.json');
  writeFileSync(file, `${JSON.stringify({ generatedAt: new Date().toISOString(), command, machine: { ...machine, loadAverage: { before: loadBefore, after: loadAverage() } }, rows }, null, 2)}\n`);
  process.stdout.write(`\nRSS after ${options.millionCount} tokens issued — ${command}\n`);
  for (const row of rows) {
    process.stdout.write(
      `  ${String(row.server).padEnd(8)} ${row.tokens} tokens in ${(row.seconds as number).toFixed(0)} s (${(row.rps as number).toFixed(0)} req/s), RSS ${(row.rssAtStartMb as number).toFixed(0)} -> ${(row.rssAfterMb as number).toFixed(0)} MB, peak ${(row.peakRssMb as number).toFixed(0)} MB` +
        `${row.sqliteBytes ? `, SQLite file ${((row.sqliteBytes as number) / 2 ** 20).toFixed(0)} MB` : ''}, last token active: ${row.lastTokenActive}\n` +
        `           RSS over the second half: ${describeTrend(row.rssSecondHalf as RssTrend | null)}\n`,
    );
  }
  process.stdout.write(`written ${file}\n`);
}

async function runProfile(): Promise<void> {
  const profiles = join(resultsDir, 'profiles');
  mkdirSync(profiles, { recursive: true });
  // Tessera alone, or each Tessera variant named in --servers (e.g. tessera,tessera-revocation).
  const asked = options.servers.filter((k) => k === 'tessera' || k === 'tessera-revocation');
  for (const kind of values.servers && asked.length > 0 ? asked : (['tessera'] as const)) {
    const server = await startServer(serverConfig(kind, join(work, `profile-${kind}`)), { cpus: serverCpus });
    try {
      for (const scenario of selected.filter((s) => s.servers.includes(kind))) {
        const spec = await prepare(scenario, server, setup, pki);
        const file = join(profiles, `${kind}-${scenario.id}.cpuprofile`);
        const result = await runLoad(
          spec,
          loadOptions(server, {
            onWindow: (phase) =>
              phase === 'start' ? server.ask({ type: 'profile-start' }, 'profile-started') : server.ask({ type: 'profile-stop', file }, 'profile-written'),
          }),
        );
        process.stdout.write(`\n== ${kind} ${scenario.id} (${describe(result)}, profiler on)\n${renderProfile(summariseProfile(file, 25))}\nprofile: ${file}\n`);
      }
    } finally {
      await server.stop();
    }
  }
}

function rotate<T>(list: readonly T[], by: number): T[] {
  if (list.length === 0) return [];
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function sizeLabel(n: number): string {
  const exp = Math.log10(n);
  return Number.isInteger(exp) ? `1e${exp}` : String(n);
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: BENCH_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
