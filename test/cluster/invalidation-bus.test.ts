/**
 * The PostgreSQL invalidation bus on the real server: events reach the other nodes of the same
 * deployment (and only those), the publisher's own listeners hear an event once, malformed payloads
 * are ignored, and a listener whose connection is killed reconnects and flushes everything.
 */
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Invalidation } from '../../core/cluster/invalidation-bus.ts';
import { INVALIDATION_CHANNEL, PostgresInvalidationBus } from '../../core/cluster/postgres-invalidation-bus.ts';
import { createLogger } from '../../core/logging/logger.ts';
import { POSTGRES_URL, uniqueSchema } from '../support/postgres.ts';
import { waitFor } from '../support/wait-for.ts';

const logger = createLogger('silent');
const scope = uniqueSchema('tessera_bus');
const buses: PostgresInvalidationBus[] = [];

async function open(busScope = scope): Promise<{ bus: PostgresInvalidationBus; seen: Invalidation[] }> {
  const bus = await PostgresInvalidationBus.open({ url: POSTGRES_URL, scope: busScope, logger, reconnectDelayMs: { min: 50, max: 200 } });
  buses.push(bus);
  const seen: Invalidation[] = [];
  bus.subscribe((event) => seen.push(event));
  return { bus, seen };
}

const until = (check: () => boolean, ms = 5_000) => waitFor(check, Boolean, { timeoutMs: ms, intervalMs: 10, what: 'the delivery' });

async function sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
});

describe('PostgreSQL invalidation bus', () => {
  it('delivers an event to the other nodes of the deployment, once to the publisher, never to another deployment', async () => {
    const a = await open();
    const b = await open();
    const other = await open(`${scope}_other`);
    const otherPeer = await open(`${scope}_other`);
    const event: Invalidation = { scope: 'keys', tenantId: 'acme', serverId: 'main' };
    await a.bus.publish(event);
    await until(() => b.seen.length > 0);
    expect(b.seen).toEqual([event]);
    // Local delivery is synchronous; the echo of its own NOTIFY is skipped. PostgreSQL delivers
    // notifications in commit order, so once a later marker arrived, anything earlier would have too.
    const marker: Invalidation = { scope: 'users', tenantId: 'acme', serverId: 'main' };
    await b.bus.publish(marker);
    await otherPeer.bus.publish(marker);
    await until(() => a.seen.length > 1 && other.seen.length > 0);
    expect(a.seen).toEqual([event, marker]);
    expect(other.seen).toEqual([marker]);
  });

  it('measures the delivery latency between two nodes', async () => {
    const a = await open();
    const b = await open();
    const started = performance.now();
    await a.bus.publish({ scope: 'server', tenantId: 'default', serverId: 'default' });
    await until(() => b.seen.length > 0);
    const ms = performance.now() - started;
    // Milliseconds in practice; generous for a loaded machine.
    expect(ms).toBeLessThan(1_000);
  });

  it('ignores payloads that are not events of this deployment', async () => {
    const b = await open();
    const bad = [
      'not json',
      JSON.stringify({ v: 2, s: scope, n: 'x', k: 'keys', t: 'a', a: 'b' }),
      JSON.stringify({ v: 1, s: scope, n: 'x', k: 'tokens', t: 'a', a: 'b' }),
      JSON.stringify({ v: 1, s: scope, n: 'x', k: 'keys', t: 'a b', a: 'b' }),
      JSON.stringify({ v: 1, s: scope, n: 'x', k: 'keys' }),
      JSON.stringify({ v: 1, s: scope, n: b.bus.nodeId, k: 'keys', t: 'a', a: 'b' }),
    ];
    for (const payload of bad) await sql('select pg_notify($1, $2)', [INVALIDATION_CHANNEL, payload]);
    await sql('select pg_notify($1, $2)', [INVALIDATION_CHANNEL, JSON.stringify({ v: 1, s: scope, n: 'x', k: 'all' })]);
    await until(() => b.seen.length > 0);
    expect(b.seen).toEqual([{ scope: 'all' }]);
  });

  it('reconnects a killed listener and flushes everything, then hears events again', async () => {
    const a = await open();
    const b = await open();
    const pid = b.bus.listenerPid;
    expect(pid).toBeTypeOf('number');
    await sql('select pg_terminate_backend($1)', [pid]);
    // Events published while b was away are lost; the reconnect tells its caches to forget all.
    await until(() => b.seen.some((e) => e.scope === 'all'));
    expect(b.bus.listenerPid).not.toBe(pid);
    b.seen.length = 0;
    await a.bus.publish({ scope: 'users', tenantId: 'default', serverId: 'default' });
    await until(() => b.seen.length > 0);
    expect(b.seen).toEqual([{ scope: 'users', tenantId: 'default', serverId: 'default' }]);
  });

  it('logs and swallows a failed publish: the change is stored, only the notice is lost', async () => {
    const a = await open();
    await a.bus.close();
    await expect(a.bus.publish({ scope: 'keys', tenantId: 'default', serverId: 'default' })).resolves.toBeUndefined();
  });
});
