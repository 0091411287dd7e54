/**
 * `tessera start` with `[server] workers` > 1 as a real child process (the primary) for tests: its
 * own folder, ports 0 (the workers share whatever port the primary binds), JSON log lines captured.
 * Which worker served a request is read from the log, as an operator would: every line a worker
 * writes, audit lines included, names it (`"worker": <slot>`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { eachLine } from './line-stream.ts';

export interface LogLine {
  msg?: string;
  worker?: number;
  role?: string;
  pid?: number;
  audit?: { type: string; clientId?: string; worker?: number };
  [key: string]: unknown;
}

export interface WorkersProcess {
  /** https://127.0.0.1:<port>, shared by every worker. */
  readonly url: string;
  readonly dir: string;
  readonly pid: number;
  /** Parsed JSON log lines of the primary and its workers, in arrival order. */
  readonly lines: LogLine[];
  /** Other output (stack traces on stderr). */
  readonly text: string[];
  readonly exited: Promise<number | string>;
  /** The pid of each worker slot's current process (from the primary's "worker N started" lines). */
  workerPid(slot: number): number;
  /** Waits until a log line at index ≥ `from` matches; returns it. */
  waitForLine(match: (line: LogLine) => boolean, from?: number, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM (or the given signal) to the primary; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  dispose(): Promise<void>;
}

const BASE = `
[transport.https]
port = 0
host = "127.0.0.1"

[logging]
level = "info"
`;

export interface StartWorkersOptions {
  /** Default 90 s. */
  timeoutMs?: number;
  /** Default true: append HTTPS on 127.0.0.1 port 0 and info logging (false: `toml` says it all). */
  base?: boolean;
  /** The log line to wait for before returning; default the primary's "Tessera ready". */
  until?: (line: LogLine) => boolean;
}

/** `toml` must set `[server] workers`; by default HTTPS on port 0 and info logging are appended. */
export async function startWorkers(toml: string, options: StartWorkersOptions = {}): Promise<WorkersProcess> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-workers-'));
  const configFile = join(dir, 'deployment.toml');
  writeFileSync(configFile, options.base === false ? toml : `${toml}\n${BASE}`);
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'tessera.mjs'), 'start', '--config', configFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  const text: string[] = [];
  const waiters = new Set<() => void>();
  const onLine = (raw: string) => {
    try {
      lines.push(JSON.parse(raw) as LogLine);
    } catch {
      text.push(raw);
    }
    for (const waiter of waiters) waiter();
  };
  for (const stream of [child.stdout!, child.stderr!]) eachLine(stream, onLine);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const waiter of waiters) waiter();
  });
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  process.once('exit', kill);

  const waitForLine = (match: (line: LogLine) => boolean, from = 0, waitMs = 30_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = lines.slice(from).find(match);
        if (found) return finish(() => resolve(found));
        if (ended) return finish(() => reject(new Error(`exited before the awaited log line:\n${tail()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`log line not seen within ${waitMs} ms:\n${tail()}`))), waitMs);
      const finish = (then: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        then();
      };
      waiters.add(check);
      check();
    });
  const tail = () => [...lines.slice(-15).map((l) => JSON.stringify(l).slice(0, 300)), ...text.slice(-15)].join('\n');

  const isReady = (l: LogLine) => l.role === 'primary' && typeof l.msg === 'string' && l.msg.startsWith('Tessera ready');
  await waitForLine(options.until ?? isReady, 0, timeoutMs).catch(async (err: Error) => {
    kill();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const ready = lines.find(isReady);
  const listeners = (ready?.listeners ?? []) as { name: string; url: string }[];
  return {
    /** Empty when `until` returned before the server was ready. */
    url: listeners.find((l) => l.name === 'https')?.url ?? '',
    dir,
    pid: child.pid!,
    lines,
    text,
    exited,
    workerPid(slot) {
      const started = lines.filter((l) => l.role === 'primary' && l.worker === slot && typeof l.pid === 'number' && /started/.test(l.msg ?? ''));
      if (started.length === 0) throw new Error(`no worker ${slot}`);
      return started[started.length - 1].pid!;
    },
    waitForLine,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(kill, 20_000);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
