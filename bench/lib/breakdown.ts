/**
 * `npm run bench -- --breakdown` (issue #20): where Tessera's CPU per request goes on a new
 * connection. One ceiling and one Tessera process per round; Tessera serves the token request cut
 * into steps (bench/servers/breakdown-routes.ts), each loaded in turn like a server of its own
 * (order rotated per round), so every step is measured against the ceiling of the same round.
 */
import { join } from 'node:path';
import { BREAKDOWN_DESCRIPTIONS, BREAKDOWN_STEPS, breakdownPath, type BreakdownStep } from '../servers/breakdown-routes.ts';
import { runLoad, type CellResult, type LoadOptions } from './load.ts';
import type { BenchPki } from './pki.ts';
import { SCENARIOS, SetupClient, prepare, type Scenario } from './scenarios.ts';
import { startServer, type RunningServer, type ServerConfig, type ServerKind } from './server-process.ts';
import { spreadOf, type Spread } from './report.ts';
import { median } from './stats.ts';

export type BreakdownItem = 'ceiling' | BreakdownStep;

export interface BreakdownCell {
  round: number;
  scenario: string;
  item: BreakdownItem;
  result: CellResult;
}

export interface BreakdownRow {
  item: BreakdownItem;
  description: string;
  cpuUsPerReq: number;
  cpuSpread: Spread;
  /** Median over rounds of this step's CPU per request / the ceiling's in the same round. */
  ratio: number;
  ratioSpread: Spread;
  /** Median over rounds of the CPU per request this step adds to the one before it (µs). */
  addedUs: number | null;
  errors: number;
}

export interface BreakdownContext {
  rounds: number;
  scenarios: readonly Scenario[];
  work: string;
  pki: BenchPki;
  setup: SetupClient;
  serverCpus: string | null;
  serverConfig(kind: ServerKind, dir: string, extra?: Partial<ServerConfig>): ServerConfig;
  loadOptions(server: RunningServer, extra?: Partial<LoadOptions>): LoadOptions;
  log(line: string): void;
}

export async function measureBreakdown(ctx: BreakdownContext): Promise<BreakdownCell[]> {
  const cells: BreakdownCell[] = [];
  const items: BreakdownItem[] = ['ceiling', ...BREAKDOWN_STEPS];
  for (let round = 1; round <= ctx.rounds; round++) {
    const dir = join(ctx.work, `breakdown-${round}`);
    const ceiling = await startServer(ctx.serverConfig('ceiling', join(dir, 'ceiling')), { cpus: ctx.serverCpus });
    let tessera: RunningServer | undefined;
    try {
      tessera = await startServer(ctx.serverConfig('tessera', join(dir, 'tessera'), { breakdown: true }), { cpus: ctx.serverCpus });
      // As in the main run: a fresh process compiles its hot code in its first seconds, on its own CPU.
      const warmup = SCENARIOS.find((s) => s.id === 'token-opaque')!;
      for (const server of [ceiling, tessera]) await runLoad(await prepare(warmup, server, ctx.setup, ctx.pki), ctx.loadOptions(server, { warmupMs: 0, durationMs: 2000 }));
      for (const [index, scenario] of ctx.scenarios.entries()) {
        const shift = (round + index) % items.length;
        for (const item of [...items.slice(shift), ...items.slice(0, shift)]) {
          const server = item === 'ceiling' ? ceiling : tessera;
          const spec = await prepare(scenario, server, ctx.setup, ctx.pki);
          if (item !== 'ceiling') spec.path = breakdownPath(item);
          const result = await runLoad(spec, ctx.loadOptions(server));
          cells.push({ round, scenario: scenario.id, item, result });
          ctx.log(`[round ${round}] ${scenario.id.padEnd(24)} ${item.padEnd(12)} ${result.serverCpuUsPerReq.toFixed(0)} µs CPU/req, ${result.rps.toFixed(0)} req/s${result.errors ? `, ${result.errors} ERRORS (${result.firstError})` : ''}`);
        }
      }
    } finally {
      await tessera?.stop();
      await ceiling.stop();
    }
  }
  return cells;
}

export function summariseBreakdown(cells: readonly BreakdownCell[], scenario: string): BreakdownRow[] {
  const mine = cells.filter((c) => c.scenario === scenario);
  const rounds = [...new Set(mine.map((c) => c.round))];
  const cpu = (round: number, item: BreakdownItem) => mine.find((c) => c.round === round && c.item === item)?.result.serverCpuUsPerReq ?? NaN;
  const items: BreakdownItem[] = ['ceiling', ...BREAKDOWN_STEPS];
  return items.map((item, i) => {
    const values = rounds.map((r) => cpu(r, item));
    const ratios = rounds.map((r) => cpu(r, item) / cpu(r, 'ceiling'));
    const added = i === 0 ? null : median(rounds.map((r) => cpu(r, item) - cpu(r, items[i - 1])));
    return {
      item,
      description: item === 'ceiling' ? 'node:https in its own process, fixed body' : BREAKDOWN_DESCRIPTIONS[item],
      cpuUsPerReq: median(values),
      cpuSpread: spreadOf(values),
      ratio: median(ratios),
      ratioSpread: spreadOf(ratios),
      addedUs: added,
      errors: mine.filter((c) => c.item === item).reduce((n, c) => n + c.result.errors, 0),
    };
  });
}

export function renderBreakdown(title: string, rows: readonly BreakdownRow[]): string {
  const lines = [title, `${'step'.padEnd(12)} ${'CPU µs/req (min–max)'.padStart(22)} ${'/ ceiling (min–max)'.padStart(22)} ${'added µs'.padStart(9)}  what`];
  for (const row of rows) {
    lines.push(
      `${row.item.padEnd(12)} ${`${row.cpuUsPerReq.toFixed(0)} (${row.cpuSpread.map((v) => v.toFixed(0)).join('–')})`.padStart(22)} ` +
        `${`${row.ratio.toFixed(2)}x (${row.ratioSpread.map((v) => v.toFixed(2)).join('–')})`.padStart(22)} ` +
        `${row.addedUs === null ? '-'.padStart(9) : `${row.addedUs >= 0 ? '+' : ''}${row.addedUs.toFixed(0)}`.padStart(9)}  ${row.description}${row.errors ? ` (${row.errors} ERRORS)` : ''}`,
    );
  }
  return lines.join('\n');
}
