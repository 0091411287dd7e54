/**
 * A/B of two Tessera checkouts on a machine other processes share: each pair starts the ceiling,
 * this checkout's Tessera and the other checkout's ("base") afresh, warms them up, measures the
 * ceiling alone, then loads both Tessera servers AT THE SAME TIME (both on the server core, each
 * with its own load threads, like token-opaque-paired), so what the machine's other load takes hits
 * both alike. Prints server CPU per request as ratios: tessera / base in the same window, and each
 * against the ceiling of the same pair.
 *
 *   node bin/run-ts.mjs bench/ab.ts --base /path/to/other/checkout \
 *     [--scenarios token-opaque,token-opaque-handshake] [--pairs 5] [--duration 4]
 *
 * The other checkout needs its node_modules and `node scripts/build-plugins.mjs`. Bench-only tool.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad, type LoadOptions } from './lib/load.ts';
import { createBenchPki } from './lib/pki.ts';
import { pinProcess, taskset } from './lib/proc.ts';
import { SCENARIOS, SetupClient, prepare } from './lib/scenarios.ts';
import { benchServerConfig, startServer, type RunningServer } from './lib/server-process.ts';
import { median } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    scenarios: { type: 'string', default: 'token-opaque' },
    pairs: { type: 'string', default: '5' },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1.5' },
    concurrency: { type: 'string', default: '16' },
    workers: { type: 'string', default: '2' },
  },
  strict: true,
});
if (!values.base) throw new Error('--base /path/to/checkout is required');
const scenarios = values.scenarios.split(',').map((id) => {
  const found = SCENARIOS.find((s) => s.id === id);
  if (!found) throw new Error(`unknown scenario ${id}`);
  return found;
});

const pin = taskset() !== null;
if (pin) pinProcess(process.pid, '1');
const cpus = pin ? '0' : null;
const work = mkdtempSync(join(tmpdir(), 'tessera-ab-'));
const pki = await createBenchPki(work, 'EC');
const setup = new SetupClient(pki);
const rows: { pair: number; scenario: string; ceiling: number; tessera: number; base: number }[] = [];

const config = (kind: 'ceiling' | 'tessera', dir: string) => benchServerConfig(kind, dir, pki);
const opts = (server: RunningServer, extra: Partial<LoadOptions> = {}): LoadOptions => ({
  concurrency: Number(values.concurrency),
  workers: Number(values.workers),
  warmupMs: Number(values.warmup) * 1000,
  durationMs: Number(values.duration) * 1000,
  pid: server.pid,
  ...extra,
});

try {
  for (let pair = 1; pair <= Number(values.pairs); pair++) {
    const servers: RunningServer[] = [];
    try {
      const ceiling = await startServer(config('ceiling', join(work, `${pair}-ceiling`)), { cpus });
      servers.push(ceiling);
      // Which checkout starts first, and is loaded first, alternates by pair.
      const start = (root?: string) => startServer(config('tessera', join(work, `${pair}-${root ? 'base' : 'tessera'}`)), { cpus, projectRoot: root });
      const [tessera, base] = pair % 2 === 1 ? [await start(), await start(values.base)] : [await start(values.base), await start()].reverse();
      servers.push(tessera, base);
      const warm = SCENARIOS.find((s) => s.id === 'token-opaque')!;
      for (const server of servers) await runLoad(await prepare(warm, server, setup, pki), opts(server, { warmupMs: 0, durationMs: 2000 }));
      for (const scenario of scenarios) {
        const c = await runLoad(await prepare(scenario, ceiling, setup, pki), opts(ceiling));
        const both = pair % 2 === 1 ? [tessera, base] : [base, tessera];
        const measured = await Promise.all(both.map(async (s) => runLoad(await prepare(scenario, s, setup, pki), opts(s))));
        const [t, b] = pair % 2 === 1 ? measured : measured.reverse();
        for (const [name, r] of [['ceiling', c], ['tessera', t], ['base', b]] as const) {
          if (r.errors) process.stderr.write(`[pair ${pair}] ${scenario.id} ${name}: ${r.errors} ERRORS ${r.firstError}\n`);
        }
        rows.push({ pair, scenario: scenario.id, ceiling: c.serverCpuUsPerReq, tessera: t.serverCpuUsPerReq, base: b.serverCpuUsPerReq });
        process.stderr.write(`[pair ${pair}] ${scenario.id}: ceiling ${c.serverCpuUsPerReq.toFixed(0)}, tessera ${t.serverCpuUsPerReq.toFixed(0)}, base ${b.serverCpuUsPerReq.toFixed(0)} µs CPU/req; tessera/base ${(t.serverCpuUsPerReq / b.serverCpuUsPerReq).toFixed(3)}\n`);
      }
    } finally {
      for (const server of servers) await server.stop();
    }
  }
} finally {
  await setup.close();
  rmSync(work, { recursive: true, force: true });
}

const fmt = (xs: number[], digits = 2) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
for (const scenario of scenarios) {
  const mine = rows.filter((r) => r.scenario === scenario.id);
  process.stdout.write(
    `\n${scenario.id}, server CPU µs/req over ${mine.length} pairs: ceiling ${fmt(mine.map((r) => r.ceiling), 0)}, tessera ${fmt(mine.map((r) => r.tessera), 0)}, base ${fmt(mine.map((r) => r.base), 0)}\n` +
      `  tessera / base (same window): ${fmt(mine.map((r) => r.tessera / r.base), 3)}\n` +
      `  vs ceiling: tessera ${fmt(mine.map((r) => r.tessera / r.ceiling))}x, base ${fmt(mine.map((r) => r.base / r.ceiling))}x\n`,
  );
}
