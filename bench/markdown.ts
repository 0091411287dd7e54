/**
 * Prints the README's Performance tables from bench/results/latest.json (and million.json when
 * present): `node bin/run-ts.mjs bench/markdown.ts [latest.json] [million.json]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ratios, Summary, Target } from './lib/report.ts';

const results = join(import.meta.dirname, 'results');
const [latestFile = join(results, 'latest.json'), millionFile = join(results, 'million.json')] = process.argv.slice(2);
const latest = JSON.parse(readFileSync(latestFile, 'utf8')) as {
  command: string;
  machine: { cpus: number; model: string; node: string; commit: string; dirty: boolean; loadAverage: { before: number[]; after: number[]; rounds: { before: number[]; after: number[] }[] } };
  options: { rounds: number; durationMs: number; warmupMs: number; concurrency: number };
  summary: Record<string, Record<string, Summary>>;
  ratios: Record<string, Ratios>;
  targets: Target[];
  cluster?: { token: { rps2over1: number; cpuPerReq2over1: number } | null; introspect: { rps2over1: number; cpuPerReq2over1: number } | null };
};

const n = (v: number | null | undefined, d = 0) => (v == null || !Number.isFinite(v) ? '–' : v.toFixed(d));
/** "median (min–max)" over the rounds; older result files have no spread. */
const spread = (v: number, range: [number, number] | undefined) => (range && range[0] !== range[1] ? `${n(v)} (${n(range[0])}–${n(range[1])})` : n(v));
const cell = (s: Summary | undefined) => (s ? `${spread(s.rps, s.spread?.rps)} · ${spread(s.serverCpuUsPerReq, s.spread?.serverCpuUsPerReq)} µs · ${n(s.peakRssMb)} MB` : 'n/a');
const out: string[] = [];
const m = latest.machine;
const loads = [m.loadAverage.before, ...m.loadAverage.rounds.map((r) => r.after)].map((l) => l[0]);
out.push(
  `\`${latest.command}\` — ${m.cpus} vCPUs (${m.model}), Node ${m.node}, commit ${m.commit}${m.dirty ? ' (uncommitted changes)' : ''}; ` +
    `${latest.options.rounds} rounds × ${latest.options.durationMs / 1000} s after ${latest.options.warmupMs / 1000} s warm-up, C = ${latest.options.concurrency}, medians; ` +
    `1-minute load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the run.`,
  '',
  'Each cell: requests/s · server CPU per request (user + kernel, from /proc) · peak RSS; medians, with the min–max over the rounds in brackets.',
  '',
  '| scenario | ceiling (node:https) | oidc-provider (memory) | oidc-provider (SQLite) | Tessera (SQLite) | Tessera / oidc-provider: req/s, CPU/req |',
  '| --- | --- | --- | --- | --- | --- |',
);
for (const [id, servers] of Object.entries(latest.summary)) {
  if (id.startsWith('table-') || id.startsWith('cluster-') || id === 'token-opaque-paired') continue;
  const r = latest.ratios[id];
  out.push(
    `| ${id} | ${cell(servers.ceiling)} | ${cell(servers.oidc)} | ${cell(servers['oidc-sqlite'])} | ${cell(servers.tessera)} | ${r?.rpsVsOidc != null ? `${n(r.rpsVsOidc, 2)}×, ${n(r.cpuVsOidc, 2)}×` : '–'} |`,
  );
}
out.push('', '| Tessera, token table | issue (opaque) | introspect (1000 tokens spread over the table) |', '| --- | --- | --- |');
for (const size of Object.keys(latest.summary['table-issue-opaque'] ?? {}).sort()) {
  out.push(`| ${size.replace('tessera-', '')} rows | ${cell(latest.summary['table-issue-opaque'][size])} | ${cell(latest.summary['table-introspect-opaque']?.[size])} |`);
}
if (latest.summary['cluster-token-opaque']) {
  out.push('', '| cluster behind nginx, PostgreSQL | token (opaque) | introspection |', '| --- | --- | --- |');
  for (const k of ['tessera-cluster-1', 'tessera-cluster-2']) {
    out.push(`| ${k.endsWith('1') ? '1 node' : '2 nodes'} | ${cell(latest.summary['cluster-token-opaque'][k])} | ${cell(latest.summary['cluster-introspect-opaque']?.[k])} |`);
  }
}
const paired = latest.summary['token-opaque-paired'];
if (paired?.tessera && paired['tessera-revocation']) {
  out.push('', `Revocation on vs off (issue #17, token-opaque-paired, both loaded at once): off ${cell(paired.tessera)}; on ${cell(paired['tessera-revocation'])}.`);
}
out.push('', 'Targets of issues #9, #17 and #20 (printed, never asserted):', '');
for (const t of latest.targets) {
  const rounds = t.rounds ? ` (round by round ${n(t.rounds[0], 2)}–${n(t.rounds[1], 2)})` : '';
  out.push(`- ${t.met === null ? 'n/a' : t.met ? 'met' : '**not met**'}: ${t.name} — wanted ${t.wanted}, measured ${n(t.value, 2)}${rounds}`);
}
if (existsSync(millionFile)) {
  const million = JSON.parse(readFileSync(millionFile, 'utf8')) as { command: string; rows: Record<string, number | string | boolean | null>[] };
  out.push('', `RSS after one million tokens issued (\`${million.command}\`):`, '', '| server | tokens | time | req/s | RSS at start → after | peak RSS | SQLite file |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of million.rows) {
    out.push(
      `| ${row.server} | ${row.tokens} | ${n(row.seconds as number)} s | ${n(row.rps as number)} | ${n(row.rssAtStartMb as number)} → ${n(row.rssAfterMb as number)} MB | ${n(row.peakRssMb as number)} MB | ${row.sqliteBytes ? `${n((row.sqliteBytes as number) / 2 ** 20)} MB` : '–'} |`,
    );
  }
}
process.stdout.write(`${out.join('\n')}\n`);
