/**
 * Medians over rounds, ratios (Tessera / oidc-provider, Tessera / ceiling), the targets
 * (printed as met / not met, never asserted), and the stdout table.
 */
import type { CellResult } from './load.ts';
import type { ServerKind } from './server-process.ts';
import { median } from './stats.ts';

export interface Cell {
  round: number;
  scenario: string;
  server: ServerKind | `tessera-${string}`;
  result: CellResult;
  loadAverage: [number, number, number];
}

/** Lowest and highest value over the rounds: how far the median can be trusted on a shared machine. */
export type Spread = [min: number, max: number];

export interface Summary {
  rounds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuUsPerReq: number;
  serverSysUsPerReq: number;
  serverCpuShare: number;
  clientCpuShare: number;
  /** Highest peak RSS seen over the rounds. */
  peakRssMb: number;
  errors: number;
  resumedShare: number | null;
  /** Min–max over the rounds of the medians above. */
  spread: { rps: Spread; p50Ms: Spread; p99Ms: Spread; serverCpuUsPerReq: Spread; serverSysUsPerReq: Spread };
}

export function spreadOf(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length === 0 ? [NaN, NaN] : [Math.min(...finite), Math.max(...finite)];
}

export function summarise(cells: readonly Cell[]): Record<string, Record<string, Summary>> {
  const out: Record<string, Record<string, Summary>> = {};
  const keys = new Set(cells.map((c) => `${c.scenario}\u0000${c.server}`));
  for (const key of keys) {
    const [scenario, server] = key.split('\u0000');
    const mine = cells.filter((c) => c.scenario === scenario && c.server === server).map((c) => c.result);
    const handshakes = mine.reduce((n, r) => n + r.handshakes, 0);
    (out[scenario] ??= {})[server] = {
      rounds: mine.length,
      rps: median(mine.map((r) => r.rps)),
      p50Ms: median(mine.map((r) => r.p50Ms)),
      p99Ms: median(mine.map((r) => r.p99Ms)),
      serverCpuUsPerReq: median(mine.map((r) => r.serverCpuUsPerReq)),
      serverSysUsPerReq: median(mine.map((r) => r.serverSysUsPerReq)),
      serverCpuShare: median(mine.map((r) => r.serverCpuShare)),
      clientCpuShare: median(mine.map((r) => r.clientCpuShare)),
      peakRssMb: Math.max(...mine.map((r) => r.peakRssMb)),
      errors: mine.reduce((n, r) => n + r.errors, 0),
      resumedShare: handshakes > 0 ? mine.reduce((n, r) => n + r.resumed, 0) / handshakes : null,
      spread: {
        rps: spreadOf(mine.map((r) => r.rps)),
        p50Ms: spreadOf(mine.map((r) => r.p50Ms)),
        p99Ms: spreadOf(mine.map((r) => r.p99Ms)),
        serverCpuUsPerReq: spreadOf(mine.map((r) => r.serverCpuUsPerReq)),
        serverSysUsPerReq: spreadOf(mine.map((r) => r.serverSysUsPerReq)),
      },
    };
  }
  return out;
}

export interface Ratios {
  rpsVsOidc: number | null;
  cpuVsOidc: number | null;
  /** Against oidc-provider on the SQLite adapter (durable, like Tessera's default store), when run. */
  rpsVsOidcSqlite: number | null;
  cpuVsOidcSqlite: number | null;
  rpsVsCeiling: number | null;
  cpuVsCeiling: number | null;
  /** tessera-revocation / tessera: the certificate-revocation bundle on (warm) vs off. */
  rpsRevocationVsOff: number | null;
  cpuRevocationVsOff: number | null;
}

export function ratios(summary: Record<string, Record<string, Summary>>): Record<string, Ratios> {
  const out: Record<string, Ratios> = {};
  for (const [scenario, servers] of Object.entries(summary)) {
    const t = servers.tessera;
    if (!t) continue;
    const o = servers.oidc;
    const os = servers['oidc-sqlite'];
    const c = servers.ceiling;
    const rv = servers['tessera-revocation'];
    out[scenario] = {
      rpsVsOidc: o ? t.rps / o.rps : null,
      cpuVsOidc: o ? t.serverCpuUsPerReq / o.serverCpuUsPerReq : null,
      rpsVsOidcSqlite: os ? t.rps / os.rps : null,
      cpuVsOidcSqlite: os ? t.serverCpuUsPerReq / os.serverCpuUsPerReq : null,
      rpsVsCeiling: c ? t.rps / c.rps : null,
      cpuVsCeiling: c ? t.serverCpuUsPerReq / c.serverCpuUsPerReq : null,
      rpsRevocationVsOff: rv ? rv.rps / t.rps : null,
      cpuRevocationVsOff: rv ? rv.serverCpuUsPerReq / t.serverCpuUsPerReq : null,
    };
  }
  return out;
}

/**
 * Revocation on / off CPU per request round by round (same round = the two measured seconds apart):
 * on a shared machine the spread says how far to trust the ratio of the medians.
 */
export function revocationRounds(cells: readonly Cell[], scenario: string): { ratios: number[]; median: number; min: number; max: number } | null {
  const ratios: number[] = [];
  for (const round of new Set(cells.map((c) => c.round))) {
    const off = cells.find((c) => c.round === round && c.scenario === scenario && c.server === 'tessera');
    const on = cells.find((c) => c.round === round && c.scenario === scenario && c.server === 'tessera-revocation');
    if (off && on) ratios.push(on.result.serverCpuUsPerReq / off.result.serverCpuUsPerReq);
  }
  if (ratios.length === 0) return null;
  return { ratios, median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

/**
 * One ratio round by round, `server / against` on `metric`, both cells from the same round (servers
 * alternate inside a round, so a round's ratio shares that round's machine load).
 */
export function roundRatios(cells: readonly Cell[], scenario: string, server: string, against: string, metric: 'rps' | 'serverCpuUsPerReq'): number[] {
  const out: number[] = [];
  for (const round of [...new Set(cells.map((c) => c.round))].sort((a, b) => a - b)) {
    const mine = cells.find((c) => c.round === round && c.scenario === scenario && c.server === server);
    const other = cells.find((c) => c.round === round && c.scenario === scenario && c.server === against);
    if (mine && other) out.push(mine.result[metric] / other.result[metric]);
  }
  return out;
}

export interface Target {
  name: string;
  scenario: string;
  wanted: string;
  value: number | null;
  met: boolean | null;
  /** The same ratio round by round (min–max), when the cells were given. */
  rounds?: Spread | null;
}

export function targets(r: Record<string, Ratios>, cells: readonly Cell[] = []): Target[] {
  const t = (name: string, scenario: string, wanted: string, value: number | null | undefined, ok: (v: number) => boolean, per?: [server: string, against: string, metric: 'rps' | 'serverCpuUsPerReq']): Target => {
    const byRound = per ? roundRatios(cells, scenario, ...per) : [];
    return {
      name,
      scenario,
      wanted,
      value: value ?? null,
      met: value == null || !Number.isFinite(value) ? null : ok(value),
      ...(per ? { rounds: byRound.length > 0 ? spreadOf(byRound) : null } : {}),
    };
  };
  return [
    t('keep-alive opaque: req/s vs oidc-provider', 'token-opaque', '>= 3x', r['token-opaque']?.rpsVsOidc, (v) => v >= 3),
    t('keep-alive opaque: server CPU/req vs oidc-provider', 'token-opaque', '<= 1/3', r['token-opaque']?.cpuVsOidc, (v) => v <= 1 / 3),
    t('keep-alive JWT: req/s vs oidc-provider', 'token-jwt', '>= 3x', r['token-jwt']?.rpsVsOidc, (v) => v >= 3),
    t('keep-alive JWT: server CPU/req vs oidc-provider', 'token-jwt', '<= 1/3', r['token-jwt']?.cpuVsOidc, (v) => v <= 1 / 3),
    t('full handshake: server CPU/req vs ceiling', 'token-opaque-handshake', '<= 1.10x', r['token-opaque-handshake']?.cpuVsCeiling, (v) => v <= 1.1, ['tessera', 'ceiling', 'serverCpuUsPerReq']),
    t('introspection: req/s vs oidc-provider', 'introspect-opaque', '>= 3x', r['introspect-opaque']?.rpsVsOidc, (v) => v >= 3),
    // Issue #17: hard_fail with a CRL file, caches warm, keep-alive; both servers loaded side by side.
    t('revocation on vs off: server CPU/req', 'token-opaque-paired', '<= 1.05x', r['token-opaque-paired']?.cpuRevocationVsOff, (v) => v <= 1.05),
    // Issue #20: the new-connection path, and keep-alive against oidc-provider's default (in-memory)
    // store with Tessera on its durable default (SQLite).
    t('#20 full handshake: server CPU/req vs ceiling', 'token-opaque-handshake', '<= 1.15x', r['token-opaque-handshake']?.cpuVsCeiling, (v) => v <= 1.15, ['tessera', 'ceiling', 'serverCpuUsPerReq']),
    t('#20 resumed session: server CPU/req vs ceiling', 'token-opaque-resumed', '<= 1.15x', r['token-opaque-resumed']?.cpuVsCeiling, (v) => v <= 1.15, ['tessera', 'ceiling', 'serverCpuUsPerReq']),
    t('#20 keep-alive opaque: req/s vs oidc-provider (memory), Tessera on SQLite', 'token-opaque', '>= 2x', r['token-opaque']?.rpsVsOidc, (v) => v >= 2, ['tessera', 'oidc', 'rps']),
  ];
}

const NAMES: Record<string, string> = {
  ceiling: 'ceiling (node:https)',
  oidc: 'oidc-provider (memory)',
  'oidc-sqlite': 'oidc-provider (SQLite)',
  tessera: 'Tessera (SQLite)',
  'tessera-revocation': 'Tessera + revocation',
};
const ORDER = ['ceiling', 'oidc', 'oidc-sqlite', 'tessera', 'tessera-revocation'];

function fmt(v: number | null | undefined, digits = 0): string {
  return v == null || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

/** "median (min–max)" over the rounds; the median alone after a single round. */
function withSpread(median: number, spread: Spread | undefined, digits = 0): string {
  if (!spread || spread[0] === spread[1]) return fmt(median, digits);
  return `${fmt(median, digits)} (${fmt(spread[0], digits)}–${fmt(spread[1], digits)})`;
}

export function renderTable(summary: Record<string, Record<string, Summary>>, r: Record<string, Ratios>, titles: Record<string, string>): string {
  const lines: string[] = [];
  const header = ['server', 'req/s (min–max)', 'p50 ms (min–max)', 'p99 ms (min–max)', 'CPU µs/req (min–max)', '(kernel)', 'srv CPU', 'gen CPU', 'peak RSS MB', 'errors', 'resumed'];
  const widths = [24, 19, 19, 19, 21, 9, 8, 8, 12, 7, 8];
  widths[0] = 26;
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');
  for (const [scenario, servers] of Object.entries(summary)) {
    lines.push('', `${scenario} — ${titles[scenario] ?? ''}`, row(header));
    for (const server of [...ORDER, ...Object.keys(servers).filter((s) => !ORDER.includes(s)).sort()]) {
      const s = servers[server];
      if (!s) continue;
      lines.push(
        row([
          NAMES[server] ?? server,
          withSpread(s.rps, s.spread?.rps),
          withSpread(s.p50Ms, s.spread?.p50Ms, 2),
          withSpread(s.p99Ms, s.spread?.p99Ms, 2),
          withSpread(s.serverCpuUsPerReq, s.spread?.serverCpuUsPerReq),
          fmt(s.serverSysUsPerReq),
          `${fmt(s.serverCpuShare * 100)}%`,
          `${fmt(s.clientCpuShare * 100)}%`,
          fmt(s.peakRssMb, 1),
          String(s.errors),
          s.resumedShare === null ? '-' : `${fmt(s.resumedShare * 100)}%`,
        ]),
      );
    }
    const q = r[scenario];
    if (q) {
      const parts = [];
      if (q.rpsVsOidc !== null) parts.push(`Tessera/oidc-provider: req/s ${fmt(q.rpsVsOidc, 2)}x, CPU/req ${fmt(q.cpuVsOidc, 2)}x`);
      if (q.rpsVsOidcSqlite !== null) parts.push(`Tessera/oidc-provider+SQLite: req/s ${fmt(q.rpsVsOidcSqlite, 2)}x, CPU/req ${fmt(q.cpuVsOidcSqlite, 2)}x`);
      if (q.cpuRevocationVsOff !== null) parts.push(`revocation on/off: req/s ${fmt(q.rpsRevocationVsOff, 3)}x, CPU/req ${fmt(q.cpuRevocationVsOff, 3)}x`);
      if (q.rpsVsCeiling !== null) parts.push(`Tessera/ceiling: req/s ${fmt(q.rpsVsCeiling, 2)}x, CPU/req ${fmt(q.cpuVsCeiling, 2)}x`);
      if (parts.length) lines.push(`  ${parts.join('; ')}`);
    }
  }
  return lines.join('\n');
}

export function renderTargets(list: readonly Target[]): string {
  return list
    .map((t) => {
      const digits = t.wanted === '<= 1.05x' ? 3 : 2;
      const rounds = t.rounds ? ` (round by round ${fmt(t.rounds[0], digits)}–${fmt(t.rounds[1], digits)})` : '';
      return `  [${t.met === null ? 'n/a' : t.met ? 'met' : 'NOT MET'}] ${t.name}: ${t.wanted}, measured ${fmt(t.value, digits)}${rounds}`;
    })
    .join('\n');
}
