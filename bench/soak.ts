/**
 * `npm run soak -- --minutes 10` — a bounded soak run: a `tessera start` child on a fresh data folder
 * under mixed load (client_credentials tokens, introspection, refresh rotation, revocation, and the
 * authorization code flow through the sign-in and consent pages), for a fixed time. Reports requests
 * by kind, unexpected errors (must be 0: the exit code is 1 otherwise), the child's RSS every 10 s
 * with the slope after warm-up (flat memory), and p50/p99 latencies. Never run by the test suite.
 *
 * Options: --minutes N (default 10) --concurrency N (8) --warmup-minutes N (min(1, minutes/4))
 *          --out FILE (JSON result; default bench/results/soak-latest.json) --keep (keep the folder)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { leastSquaresSlope } from './lib/stats.ts';
import { freePort } from '../test/support/free-port.ts';
import { type CallResult, type RequestOptions, readAnswer, requestParts } from '../test/support/https-client.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    'warmup-minutes': { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});

const ROOT = resolve(import.meta.dirname, '..');
const minutes = Number(values.minutes);
const concurrency = Number(values.concurrency);
const warmupMinutes = Number(values['warmup-minutes'] ?? Math.min(1, minutes / 4));
if (!(minutes > 0) || !(concurrency > 0)) throw new Error('--minutes and --concurrency must be positive numbers');
const SAMPLE_MS = 10_000;
const SECRET = `soak-${randomBytes(12).toString('hex')}`;
const ADMIN_PASSWORD = `soak-admin-${randomBytes(8).toString('hex')}`;
const USER = { username: 'soaker', password: `soak-user-${randomBytes(8).toString('hex')}` };
const REDIRECT = 'https://client.example.com/callback';
const log = (line: string) => process.stderr.write(`${line}\n`);

// ------------------------------------------------------------------------------------------------
// The server child

/** `tessera start` with its log (info, as operators run it) going to a file; ready once /health answers. */
async function startChild(configFile: string, cwd: string, url: string): Promise<{ child: ChildProcess; exited: Promise<number | null>; logFile: string }> {
  const logFile = join(cwd, 'tessera.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'tessera.mjs'), 'start', '--config', configFile], { cwd, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((done) => child.once('exit', (c) => done((exitCode = c))));
  for (const until = Date.now() + 120_000; Date.now() < until; ) {
    if (exitCode !== undefined) throw new Error(`tessera start exited ${exitCode} before it was ready:\n${readFileSync(logFile, 'utf8')}`);
    const ok = await http(`${url}/health`).then((r) => r.status === 200, () => false);
    if (ok) return { child, exited, logFile };
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`tessera start was not ready within 120 s:\n${readFileSync(logFile, 'utf8')}`);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
}

// ------------------------------------------------------------------------------------------------
// HTTP

const agent = new Agent({ connect: { rejectUnauthorized: false }, connections: concurrency * 2, keepAliveTimeout: 4_000 });

async function http(url: string, options: RequestOptions = {}): Promise<CallResult> {
  const parts = requestParts(options);
  const attempt = () => request(url, { ...parts, dispatcher: agent, signal: AbortSignal.timeout(30_000) });
  // A kept-alive connection closed by the server just as it was reused: one retry, not an error.
  const response = await attempt().catch((err: { code?: string }) => (err.code === 'ECONNRESET' || err.code === 'UND_ERR_SOCKET' ? attempt() : Promise.reject(err)));
  return readAnswer(response);
}

// ------------------------------------------------------------------------------------------------
// The load

type Kind = 'token' | 'introspect' | 'refresh' | 'revoke' | 'authorize';
const WEIGHTS: [Kind, number][] = [
  ['token', 35],
  ['introspect', 30],
  ['refresh', 15],
  ['revoke', 10],
  ['authorize', 10],
];

const latencies = new Map<Kind, number[]>(WEIGHTS.map(([k]) => [k, []]));
const counts = new Map<Kind, number>(WEIGHTS.map(([k]) => [k, 0]));
const httpRequests = new Map<Kind, number>(WEIGHTS.map(([k]) => [k, 0]));
const errors: string[] = [];
let errorCount = 0;

function unexpected(kind: Kind, what: string) {
  errorCount++;
  if (errors.length < 20) errors.push(`${kind}: ${what.slice(0, 300)}`);
}

function pick(): Kind {
  let n = Math.random() * WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  for (const [kind, weight] of WEIGHTS) {
    n -= weight;
    if (n < 0) return kind;
  }
  return 'token';
}

/** What each worker keeps between operations: tokens to introspect, a refresh chain, a browser. */
interface WorkerState {
  live: string[];
  refresh: string | null;
  cookies: Map<string, string>;
}

function cookieHeader(jar: Map<string, string>): Record<string, string> {
  return jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
}

function remember(jar: Map<string, string>, setCookie: string | string[] | undefined) {
  for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
    const [pair, ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value === '' || attributes.some((a) => /max-age=0/i.test(a))) jar.delete(name);
    else jar.set(name, value);
  }
}

function hidden(html: string, name: string): string {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
}

async function operate(base: string, kind: Kind, state: WorkerState): Promise<void> {
  const client: [string, string] = ['soak', SECRET];
  const requests = (n: number) => httpRequests.set(kind, httpRequests.get(kind)! + n);
  switch (kind) {
    case 'token': {
      requests(1);
      const res = await http(`${base}/oauth2/token`, { form: { grant_type: 'client_credentials', scope: 'read' }, basic: client });
      if (res.status !== 200 || typeof res.json?.access_token !== 'string') return unexpected(kind, `${res.status} ${res.text}`);
      state.live.push(res.json.access_token);
      if (state.live.length > 50) state.live.shift();
      return;
    }
    case 'introspect': {
      const token = state.live[Math.floor(Math.random() * state.live.length)];
      if (!token) return operate(base, 'token', state);
      requests(1);
      const res = await http(`${base}/oauth2/introspect`, { form: { token }, basic: ['rs', SECRET] });
      if (res.status !== 200 || res.json?.active !== true) return unexpected(kind, `${res.status} ${res.text}`);
      return;
    }
    case 'refresh': {
      if (!state.refresh) {
        requests(1);
        const res = await http(`${base}/oauth2/token`, { form: { grant_type: 'password', username: USER.username, password: USER.password, scope: 'openid read' }, basic: client });
        if (res.status !== 200) return unexpected(kind, `password grant ${res.status} ${res.text}`);
        state.refresh = res.json.refresh_token;
        return;
      }
      requests(1);
      const res = await http(`${base}/oauth2/token`, { form: { grant_type: 'refresh_token', refresh_token: state.refresh }, basic: client });
      if (res.status !== 200) {
        state.refresh = null;
        return unexpected(kind, `${res.status} ${res.text}`);
      }
      state.refresh = res.json.refresh_token;
      return;
    }
    case 'revoke': {
      requests(2);
      const issued = await http(`${base}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: client });
      if (issued.status !== 200) return unexpected(kind, `issue ${issued.status} ${issued.text}`);
      const res = await http(`${base}/oauth2/revoke`, { form: { token: issued.json.access_token }, basic: client });
      if (res.status !== 200) return unexpected(kind, `${res.status} ${res.text}`);
      return;
    }
    case 'authorize': {
      // One browser per worker; now and then a new one, so the sign-in page (and scrypt) runs too.
      if (Math.random() < 0.3) state.cookies = new Map();
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const query = new URLSearchParams({ response_type: 'code', client_id: 'soak', redirect_uri: REDIRECT, scope: 'openid read', state: randomBytes(8).toString('hex'), code_challenge: challenge, code_challenge_method: 'S256' });
      let res = await http(`${base}/oauth2/authorize?${query}`, { headers: cookieHeader(state.cookies) });
      requests(1);
      remember(state.cookies, res.headers['set-cookie']);
      for (let step = 0; step < 3 && res.status === 200; step++) {
        const action = /<form method="post" action="([^"]*)"/.exec(res.text)?.[1];
        if (!action) return unexpected(kind, `no form: ${res.text}`);
        const form: Record<string, string> = { request_id: hidden(res.text, 'request_id'), csrf_token: hidden(res.text, 'csrf_token') };
        if (/name="password"/.test(res.text)) Object.assign(form, USER);
        else form.decision = 'approve';
        res = await http(`${base}${action.replace(/&amp;/g, '&')}`, { form, headers: cookieHeader(state.cookies) });
        requests(1);
        remember(state.cookies, res.headers['set-cookie']);
      }
      if (res.status !== 302) return unexpected(kind, `${res.status} ${res.text}`);
      const code = new URL(String(res.headers.location)).searchParams.get('code');
      if (!code) return unexpected(kind, `no code in ${res.headers.location}`);
      requests(1);
      const tokens = await http(`${base}/oauth2/token`, { form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, basic: client });
      if (tokens.status !== 200) return unexpected(kind, `code exchange ${tokens.status} ${tokens.text}`);
      return;
    }
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Least-squares slope of (minute, MB) points. */
function slope(points: { minute: number; mb: number }[]): number {
  return leastSquaresSlope(points.map((p) => ({ x: p.minute, y: p.mb })));
}

// ------------------------------------------------------------------------------------------------
// Main

const work = mkdtempSync(join(tmpdir(), 'tessera-soak-'));
const config = join(work, 'deployment.toml');
const port = await freePort();
writeFileSync(
  config,
  `[server]\ndata_dir = "data"\n\n[transport.https]\nhost = "127.0.0.1"\nport = ${port}\n\n[super_admin]\npassword = "${ADMIN_PASSWORD}"\n\n[limits]\nlogin_max_attempts = 1000\n\n[logging]\nlevel = "info"\n`,
);
const base = `https://localhost:${port}`;
const startLoad: number[] = loadavg();
log(`soak: ${minutes} min, concurrency ${concurrency}, warm-up ${warmupMinutes} min, ${cpus().length} CPUs, load average ${startLoad.map((l) => l.toFixed(2)).join(' ')}`);
const { child, exited, logFile } = await startChild(config, work, base);
let code = 1;
try {
  const admin = (path: string, json: unknown) => http(`${base}/api/admin/default${path}`, { method: 'POST', json, basic: ['admin', ADMIN_PASSWORD] });
  for (const [path, body] of [
    ['/clients', { client_id: 'soak', client_secret: SECRET, grant_types: ['client_credentials', 'password', 'authorization_code', 'refresh_token'], redirect_uris: [REDIRECT], scope: 'openid read' }],
    ['/clients', { client_id: 'rs', client_secret: SECRET, grant_types: ['client_credentials'] }],
    ['/users', USER],
  ] as const) {
    const res = await admin(path, body);
    if (res.status !== 201) throw new Error(`setup ${path}: ${res.status} ${res.text}`);
  }

  const began = Date.now();
  const deadline = began + minutes * 60_000;
  const samples: { minute: number; mb: number }[] = [{ minute: 0, mb: rssMb(child.pid!) }];
  const sampler = setInterval(() => {
    const sample = { minute: (Date.now() - began) / 60_000, mb: rssMb(child.pid!) };
    samples.push(sample);
    const done = [...counts.values()].reduce((a, b) => a + b, 0);
    log(`  ${sample.minute.toFixed(1)} min  RSS ${sample.mb.toFixed(1)} MB  operations ${done}  unexpected ${errorCount}  load ${loadavg()[0].toFixed(2)}`);
  }, SAMPLE_MS);

  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const state: WorkerState = { live: [], refresh: null, cookies: new Map() };
      while (Date.now() < deadline) {
        const kind = pick();
        const started = performance.now();
        try {
          await operate(base, kind, state);
        } catch (err) {
          unexpected(kind, `exception ${(err as Error).message}`);
        }
        latencies.get(kind)!.push(performance.now() - started);
        counts.set(kind, counts.get(kind)! + 1);
      }
    }),
  );
  clearInterval(sampler);
  samples.push({ minute: (Date.now() - began) / 60_000, mb: rssMb(child.pid!) });

  const health = await http(`${base}/health`);
  if (health.status !== 200) unexpected('token', `/health ${health.status} ${health.text}`);
  child.kill('SIGTERM');
  const exitCode = await exited;
  if (exitCode !== 0) unexpected('token', `tessera start exited ${exitCode} on SIGTERM`);

  const elapsedS = (Date.now() - began) / 1000;
  const all = [...latencies.values()].flat().sort((a, b) => a - b);
  const byKind = Object.fromEntries(
    WEIGHTS.map(([kind]) => {
      const sorted = [...latencies.get(kind)!].sort((a, b) => a - b);
      return [kind, { operations: counts.get(kind)!, httpRequests: httpRequests.get(kind)!, p50ms: +percentile(sorted, 50).toFixed(1), p99ms: +percentile(sorted, 99).toFixed(1) }];
    }),
  );
  const afterWarmup = samples.filter((s) => s.minute >= warmupMinutes);
  const result = {
    command: `npm run soak -- --minutes ${minutes}${values.concurrency !== '8' ? ` --concurrency ${concurrency}` : ''}`,
    machine: { cpus: cpus().length, node: process.version, loadAverageAtStart: startLoad, loadAverageAtEnd: loadavg() },
    logMegabytes: +(statSync(logFile).size / 1048576).toFixed(1),
    minutes: +(elapsedS / 60).toFixed(2),
    concurrency,
    operations: [...counts.values()].reduce((a, b) => a + b, 0),
    httpRequests: [...httpRequests.values()].reduce((a, b) => a + b, 0),
    operationsPerSecond: +([...counts.values()].reduce((a, b) => a + b, 0) / elapsedS).toFixed(1),
    unexpectedErrors: errorCount,
    firstErrors: errors,
    latency: { p50ms: +percentile(all, 50).toFixed(1), p99ms: +percentile(all, 99).toFixed(1), byKind },
    rss: {
      samplesMb: samples.map((s) => ({ minute: +s.minute.toFixed(2), mb: +s.mb.toFixed(1) })),
      warmupMinutes,
      slopeAfterWarmupMbPerMinute: +slope(afterWarmup).toFixed(2),
      minAfterWarmupMb: +Math.min(...afterWarmup.map((s) => s.mb)).toFixed(1),
      maxAfterWarmupMb: +Math.max(...afterWarmup.map((s) => s.mb)).toFixed(1),
    },
  };
  const out = values.out ?? join(ROOT, 'bench', 'results', 'soak-latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);

  const table = [
    'kind        operations  http requests   p50 ms   p99 ms',
    ...WEIGHTS.map(([kind]) => {
      const k = byKind[kind];
      return `${kind.padEnd(10)} ${String(k.operations).padStart(11)} ${String(k.httpRequests).padStart(14)} ${String(k.p50ms).padStart(8)} ${String(k.p99ms).padStart(8)}`;
    }),
  ].join('\n');
  process.stdout.write(
    `\n${table}\n\nall operations: ${result.operations} (${result.operationsPerSecond}/s), ${result.httpRequests} HTTP requests, p50 ${result.latency.p50ms} ms, p99 ${result.latency.p99ms} ms\n` +
      `unexpected errors: ${errorCount}${errors.length ? `\n  ${errors.join('\n  ')}` : ''}\n` +
      `RSS (MB) every ${SAMPLE_MS / 1000} s: ${result.rss.samplesMb.map((s) => s.mb).join(' ')}\n` +
      `RSS after ${warmupMinutes} min warm-up: ${result.rss.minAfterWarmupMb}–${result.rss.maxAfterWarmupMb} MB, slope ${result.rss.slopeAfterWarmupMbPerMinute} MB/min\n` +
      `load average: start ${startLoad.map((l) => l.toFixed(2)).join(' ')}, end ${result.machine.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}\n` +
      `result: ${out}\n`,
  );
  code = errorCount === 0 ? 0 : 1;
} finally {
  if (child.exitCode === null) child.kill('SIGKILL');
  await agent.close().catch(() => undefined);
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
}
process.exit(code);
