/**
 * The write ceiling of the SQLite store when several processes share it (`[server] workers`): N
 * processes, each the store exactly as a worker opens it (openStore: WAL, synchronous = NORMAL, the
 * lock waits of store/sqlite.ts), insert access-token rows — what issuing a token writes — one after
 * another for a few seconds; the total rate is the machine's token-issuing ceiling on SQLite,
 * whatever the HTTP and crypto around it cost.
 *
 *   node bin/run-ts.mjs bench/sqlite-writers.ts [--processes 1,2,4] [--seconds 3]
 *
 * Every process also counts the writes that failed (the store's 503 when the lock wait runs out).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SERVER } from '../core/servers/server-context.ts';
import { openStore } from '../core/store/open-store.ts';

interface Report {
  writes: number;
  failures: number;
  seconds: number;
}

if (process.argv[2] === '--child') {
  const [, , , file, secondsText] = process.argv;
  const store = await openStore({ url: null, sqliteFile: file });
  const seconds = Number(secondsText);
  const now = Math.floor(Date.now() / 1000);
  let writes = 0;
  let failures = 0;
  // Started together: every child says it is ready, then waits for the parent's "go".
  const go = new Promise<void>((resolve) => process.once('message', () => resolve()));
  process.send!('ready');
  await go;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    try {
      await store.accessTokens.create({
        ...DEFAULT_SERVER,
        id: randomBytes(32).toString('base64url'),
        format: 'opaque',
        clientId: 'bench',
        subject: null,
        username: null,
        scopes: ['api:read'],
        audience: ['bench'],
        issuedAt: now,
        expiresAt: now + 3600,
        confirmation: { 'x5t#S256': 'bench-thumbprint-0000000000000000000000000000' },
        grantId: null,
        revoked: false,
      });
      writes++;
    } catch {
      failures++;
    }
  }
  const report: Report = { writes, failures, seconds: (performance.now() - started) / 1000 };
  await store.close();
  process.send!(report);
  process.disconnect();
} else {
  const { values } = parseArgs({ options: { processes: { type: 'string', default: '1,2' }, seconds: { type: 'string', default: '3' } }, strict: true });
  const counts = values.processes.split(',').map(Number).filter((n) => n >= 1);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-writers-'));
  try {
    process.stdout.write(`${availableParallelism()} cpus, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    for (const count of counts) {
      const file = join(dir, `writers-${count}.db`);
      // The schema, migrated once, before the writers start.
      await (await openStore({ url: null, sqliteFile: file })).close();
      const runTs = join(import.meta.dirname, '..', 'bin', 'run-ts.mjs');
      const children = Array.from({ length: count }, () => fork(runTs, [process.argv[1], '--child', file, values.seconds]));
      const messages = children.map((child) => {
        const received: unknown[] = [];
        const waiting: ((m: unknown) => void)[] = [];
        child.on('message', (m) => (waiting.length ? waiting.shift()!(m) : received.push(m)));
        child.once('exit', (code) => {
          if (code === 0) return;
          process.stderr.write(`a writer exited with ${code}\n`);
          process.exit(1);
        });
        return () => (received.length ? Promise.resolve(received.shift()) : new Promise<unknown>((resolve) => waiting.push(resolve)));
      });
      await Promise.all(messages.map((next) => next()));
      for (const child of children) child.send('go');
      const reports = messages.map((next) => next() as Promise<Report>);
      const done = await Promise.all(reports);
      const writes = done.reduce((n, r) => n + r.writes, 0);
      const failures = done.reduce((n, r) => n + r.failures, 0);
      const seconds = Math.max(...done.map((r) => r.seconds));
      process.stdout.write(`${count} process(es): ${(writes / seconds).toFixed(0)} inserts/s in total (${done.map((r) => (r.writes / r.seconds).toFixed(0)).join(' + ')}), ${failures} failed\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
