/**
 * A rolling restart as docs/deploy/README.md describes it, under load: two nodes behind nginx (the
 * shipped directives; node b runs `[server] workers = 2`), 16 connections issuing tokens through nginx without pause while node a and
 * then node b are restarted (SIGTERM, wait for the exit, start, wait until nginx sends it requests
 * again). Every one of those requests must be answered 200: nginx resends the POSTs a closing
 * listener reset (docs/deploy/README.md, "It stops accepting").
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { call, closeClients, type CallResult } from '../support/https-client.ts';
import { startCluster, type Cluster, type ClusterNode } from '../support/cluster.ts';

const ADMIN: [string, string] = ['admin', 'admin'];
const SECRET = 'rolling-restart-secret-0123456789abcdef';
const CONNECTIONS = 16;
/** The load stops by itself after this long, whatever happens (the restarts take ~30 s). */
const LOAD_LIMIT_MS = 150_000;

let cluster: Cluster;

const servedBy = (res: CallResult) => String(res.headers['x-tessera-upstream'] ?? '').split(', ').pop() ?? '';

beforeAll(async () => {
  // Node a is one process; node b a primary with two workers (SIGTERM to the primary drains both).
  cluster = await startCluster({ nodes: 2, drainDelayMs: 1000, logLevel: 'warn', workers: [1, 2] });
  const created = await call(`${cluster.nodes[0].pinnedUrl}/api/admin/default/clients`, {
    json: { client_id: 'app', client_secret: SECRET, grant_types: ['client_credentials'] },
    basic: ADMIN,
  });
  expect(created.status, created.text).toBe(201);
}, 180_000);

afterAll(async () => {
  await closeClients();
  await cluster?.stop();
}, 60_000);

describe('rolling restart behind nginx', () => {
  it('restarts node a, then node b, while 16 connections issue tokens: not one answer is other than 200', async () => {
    interface Outcome {
      status: number;
      upstream: string;
      body: string;
      at: number;
    }
    const outcomes: Outcome[] = [];
    let stop = false;
    const started = Date.now();
    const loops = Array.from({ length: CONNECTIONS }, async () => {
      while (!stop && Date.now() - started < LOAD_LIMIT_MS) {
        try {
          const res = await call(`${cluster.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
          outcomes.push({ status: res.status, upstream: servedBy(res), body: res.status === 200 ? '' : res.text.slice(0, 200), at: Date.now() });
        } catch (err) {
          outcomes.push({ status: 0, upstream: '', body: String(err), at: Date.now() });
        }
      }
    });

    /** Resolves once nginx has sent a load request to `node` after `since`. */
    const servingAgain = async (node: ClusterNode, since: number) => {
      const deadline = Date.now() + 60_000;
      while (!outcomes.some((o) => o.at > since && o.status === 200 && o.upstream === node.address)) {
        if (Date.now() > deadline) throw new Error(`nginx sent node ${node.name} no request within 60 s of its restart`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    /** Polls the node's own /health while it stops: returns what it answered. */
    const watchHealth = (node: ClusterNode) => {
      const seen: string[] = [];
      let watching = true;
      const done = (async () => {
        while (watching) {
          try {
            const res = await request(`${node.url}/health`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
            seen.push(`${res.statusCode} ${await res.body.text()}`);
          } catch {
            seen.push('refused');
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      return { seen, stop: async () => ((watching = false), await done) };
    };

    /**
     * The Node processes `node`'s process forked: its workers. Only those named node: tsx's esbuild
     * service is a child too while its transform cache is cold (after a source change, on a clean clone).
     */
    const children = (node: ClusterNode) => {
      try {
        return execFileSync('pgrep', ['-x', '-P', String(node.pid), 'node'], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    };
    expect(cluster.nodes.map(children)).toEqual([0, 2]);

    try {
      while (outcomes.filter((o) => o.status === 200).length < 100) await new Promise((r) => setTimeout(r, 50));
      for (const node of cluster.nodes) {
        const health = watchHealth(node);
        expect(await node.restart()).toBe(0);
        const restartedAt = Date.now();
        await health.stop();
        // While it drained, the node said so.
        expect(health.seen).toContain('503 {"status":"draining"}');
        await servingAgain(node, restartedAt);
      }
      const end = Date.now();
      while (Date.now() - end < 1_000) await new Promise((r) => setTimeout(r, 50));
    } finally {
      stop = true;
      await Promise.all(loops);
    }

    const failed = outcomes.filter((o) => o.status !== 200);
    const byNode = Object.fromEntries(cluster.nodes.map((n) => [n.name, outcomes.filter((o) => o.upstream === n.address).length]));
    // What nginx met at the closing listeners: refused connections, and connections reset with the
    // request written (the accept queue; resent under non_idempotent, docs/deploy/README.md).
    const errorLog = cluster.nginxErrorLog();
    const count = (pattern: RegExp) => errorLog.split('\n').filter((l) => pattern.test(l)).length;
    console.info(
      `rolling restart: ${outcomes.length} token requests through nginx, ${failed.length} not 200; served by ${JSON.stringify(byNode)}; ` +
        `nginx met ${count(/Connection refused/)} refused and ${count(/Connection reset by peer|prematurely closed/)} reset connections`,
    );
    // A failure explains itself: nginx says why it answered 502 (reset, premature close, refused...),
    // and the access log which upstream(s) it tried for that request.
    const why = failed.length
      ? [
          ...errorLog.split('\n').filter((l) => /\[(error|warn|crit|alert)\]/.test(l)).slice(-20),
          ...cluster.nginxAccessLog().filter((l) => !/" 200 /.test(l) || /upstream=\S+, /.test(l)).slice(-20),
        ].join('\n')
      : '';
    expect(failed, `${JSON.stringify(failed.slice(0, 5))}\n--- nginx error and access log lines\n${why}`).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(200);
    for (const node of cluster.nodes) expect(byNode[node.name]).toBeGreaterThan(0);
  }, 240_000);
});
