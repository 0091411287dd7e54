/**
 * The store's share of a token request, in process: what issuing and then introspecting one bound
 * opaque token asks of the store (client lookup, access-token insert, access-token lookup), from
 * `--concurrency` loops at once, on SQLite with the query executor's fast path on and off
 * (core/store/query-executor.ts), rounds alternated so both see the same machine load. No HTTP, no
 * TLS, no crypto: the figure is the executor's, and the ratio off/on is what the fast path buys.
 *
 *   node bin/run-ts.mjs bench/store-paths.ts [--rounds 5] [--requests 20000] [--concurrency 16] [--modes on,off]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AccessTokenRecord } from '../core/api/model.ts';
import { DEFAULT_SERVER } from '../core/servers/server-context.ts';
import { openStore } from '../core/store/open-store.ts';
import type { Store } from '../core/store/repositories.ts';
import { aClient } from '../test/support/client-builder.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    modes: { type: 'string', default: 'on,off' },
  },
  strict: true,
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const modes = values.modes.split(',').map((m) => m.trim());

const now = Math.floor(Date.now() / 1000);
function token(): AccessTokenRecord {
  return {
    ...DEFAULT_SERVER, id: randomBytes(32).toString('base64url'), format: 'opaque', clientId: 'bench', subject: null, username: null,
    scopes: ['api:read'], audience: ['bench'], issuedAt: now, expiresAt: now + 3600,
    confirmation: { 'x5t#S256': 'bench-thumbprint-0000000000000000000000000000' }, grantId: null, revoked: false,
  };
}

/** CPU µs per request (user + system of this process). */
async function measure(store: Store, count: number): Promise<number> {
  let next = 0;
  const loop = async () => {
    while (next++ < count) {
      if (!(await store.clients.get(DEFAULT_SERVER, 'bench'))) throw new Error('bench client missing');
      const t = token();
      await store.accessTokens.create(t);
      if (!(await store.accessTokens.get(DEFAULT_SERVER, t.id))) throw new Error('token missing');
    }
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-store-paths-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const stores = new Map<string, Store>();
  for (const mode of modes) {
    const store = await openStore({ url: null, sqliteFile: join(dir, `${mode}.sqlite`), fastPath: mode !== 'off' });
    await store.tenants.ensure(DEFAULT_SERVER.tenantId);
    await store.clients.create(aClient({ clientId: 'bench' }));
    await measure(store, Math.min(2000, requests)); // warm-up: JIT, statement cache
    stores.set(mode, store);
  }
  const figures = new Map<string, number[]>(modes.map((m) => [m, []]));
  console.log(`store paths: ${cpus().length} cpus, node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${rounds} rounds x ${requests} requests, C=${concurrency}`);
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = [];
    for (const mode of round % 2 ? modes : [...modes].reverse()) {
      const us = await measure(stores.get(mode)!, requests);
      figures.get(mode)!.push(us);
      line.push(`${mode} ${us.toFixed(1)} µs`);
    }
    console.log(`[round ${round}] ${line.join(', ')}`);
  }
  for (const [mode, xs] of figures) {
    console.log(`fast path ${mode}: median ${median(xs).toFixed(1)} µs CPU per request (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`);
  }
  if (figures.has('on') && figures.has('off')) {
    const perRound = figures.get('off')!.map((off, i) => off / figures.get('on')![i]);
    console.log(`off/on: median ${median(perRound).toFixed(2)}x (per round ${perRound.map((r) => r.toFixed(2)).join(' ')})`);
  }
  for (const store of stores.values()) await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
