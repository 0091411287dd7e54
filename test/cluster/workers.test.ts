/**
 * `[server] workers = 2` on the embedded SQLite store, over real HTTPS: one `tessera start` process
 * (the primary) and its two workers sharing the listener. Every request goes over a connection of
 * its own, so the primary's round robin spreads them over the workers; which worker served one is
 * read from the audit line it wrote (`"worker": <slot>`), not from anything test-only.
 */
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { type CallResult, type RequestOptions, readAnswer, requestParts } from '../support/https-client.ts';
import { startWorkers, type LogLine, type WorkersProcess } from '../support/workers.ts';
import { dropSchema, postgresToml, uniqueSchema } from '../support/postgres.ts';

const ADMIN: [string, string] = ['admin', 'admin'];
const SECRET = 'workers-test-secret-0123456789abcdef';

let server: WorkersProcess;
/** Every primary started here, stopped at the end. */
const started: WorkersProcess[] = [];

type Answer = CallResult;

/** One request on a new TLS connection, closed afterwards. */
async function once(path: string, options: RequestOptions = {}): Promise<Answer> {
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  try {
    return await readAnswer(await request(`${server.url}${path}`, { ...requestParts(options), dispatcher: agent }));
  } finally {
    await agent.close();
  }
}

/** The worker that wrote the first audit line of `type` for `clientId` at log index ≥ from. */
async function servedBy(type: string, clientId: string, from: number): Promise<number> {
  const line = await server.waitForLine((l: LogLine) => l.audit?.type === type && l.audit.clientId === clientId, from, 10_000);
  expect(line.audit!.worker, JSON.stringify(line)).toBe(line.worker);
  return line.worker!;
}

/** Runs `attempt` (one request, one connection) until every worker has answered it; returns the answers by worker. */
async function onEveryWorker(attempt: () => Promise<{ answer: Answer; worker: number }>, workers = 2): Promise<Map<number, Answer>> {
  const seen = new Map<number, Answer>();
  for (let i = 0; i < 20 && seen.size < workers; i++) {
    const { answer, worker } = await attempt();
    if (!seen.has(worker)) seen.set(worker, answer);
  }
  expect([...seen.keys()].sort()).toEqual([1, 2]);
  return seen;
}

async function tokenFor(clientId: string): Promise<{ answer: Answer; worker: number }> {
  const from = server.lines.length;
  const answer = await once('/oauth2/token', { form: { grant_type: 'client_credentials' }, basic: [clientId, SECRET] });
  const type = answer.status === 200 ? 'client.authentication.succeeded' : 'client.authentication.failed';
  return { answer, worker: await servedBy(type, clientId, from) };
}

async function createClient(clientId: string): Promise<number> {
  const from = server.lines.length;
  const res = await once('/api/admin/default/clients', { json: { client_id: clientId, client_secret: SECRET, grant_types: ['client_credentials'] }, basic: ADMIN });
  expect(res.status, res.text).toBe(201);
  return servedBy('admin.changed', clientId, from);
}

/** A client created through one worker authenticates on every worker; deleted, it is refused by every worker at once. */
async function createdAndDeletedEverywhere(): Promise<void> {
  await createClient('short-lived');
    // Every worker authenticates it, and so caches it.
  const known = await onEveryWorker(() => tokenFor('short-lived'));
  for (const [worker, answer] of known) expect(answer.status, `worker ${worker}: ${answer.text}`).toBe(200);

  const from = server.lines.length;
  const deleted = await once('/api/admin/default/clients/short-lived', { method: 'DELETE', basic: ADMIN });
  expect(deleted.status, deleted.text).toBe(204);
  const deletedBy = await servedBy('admin.changed', 'short-lived', from);
  // No wait: the delete answered after every worker had dropped the client from its cache
  // (without the relay, the other worker would authenticate it from its cache for 5 s).
  const gone = await onEveryWorker(() => tokenFor('short-lived'));
  for (const [worker, answer] of gone) {
    expect(answer.status, `worker ${worker} (deleted through ${deletedBy}): ${answer.text}`).toBe(401);
    expect(answer.json?.error).toBe('invalid_client');
  }
}

beforeAll(async () => {
  server = await startWorkers('[server]\nworkers = 2\n');
  started.push(server);
  for (const id of ['app', 'resource-server']) await createClient(id);
}, 120_000);

afterAll(async () => {
  for (const primary of started) await primary.dispose();
}, 60_000);

describe('[server] workers = 2 on SQLite', () => {
  it('starts two workers on one port, the first alone, and every worker names itself in its log lines', () => {
    const started = server.lines.filter((l) => l.role === 'primary' && /^worker \d started/.test(l.msg ?? ''));
    expect(started.map((l) => l.worker)).toEqual([1, 2]);
    expect(server.workerPid(1)).not.toBe(server.workerPid(2));
    const readyLines = server.lines.filter((l) => l.worker !== undefined && l.role === undefined && /^Tessera ready/.test(l.msg ?? ''));
    expect(new Set(readyLines.map((l) => l.worker))).toEqual(new Set([1, 2]));
  });

  it('a token issued through one connection introspects and revokes through others, on the other worker', async () => {
    const issued = await tokenFor('app');
    expect(issued.answer.status, issued.answer.text).toBe(200);
    const token = issued.answer.json!.access_token as string;

    const introspect = async () => {
      const from = server.lines.length;
      const answer = await once('/oauth2/introspect', { form: { token }, basic: ['resource-server', SECRET] });
      return { answer, worker: await servedBy('client.authentication.succeeded', 'resource-server', from) };
    };
    const active = await onEveryWorker(introspect);
    for (const [worker, answer] of active) expect(answer.json, `worker ${worker}`).toMatchObject({ active: true, client_id: 'app' });

    // Revoked through a worker other than the issuing one.
    let revokedBy = issued.worker;
    for (let i = 0; i < 20 && revokedBy === issued.worker; i++) {
      const from = server.lines.length;
      const res = await once('/oauth2/revoke', { form: { token }, basic: ['app', SECRET] });
      expect(res.status).toBe(200);
      revokedBy = await servedBy('client.authentication.succeeded', 'app', from);
    }
    expect(revokedBy).not.toBe(issued.worker);
    const inactive = await onEveryWorker(introspect);
    for (const [worker, answer] of inactive) expect(answer.json, `worker ${worker}`).toEqual({ active: false });
  });

  it('a client created or deleted through one worker is seen by every worker at once', () => createdAndDeletedEverywhere());

  it('signing keys rotated through one worker sign the next token on every worker', async () => {
    const rotated = await once('/api/admin/default/servers/default/keys/rotate', { method: 'POST', basic: ADMIN });
    expect(rotated.status, rotated.text).toBe(200);
    const kids = rotated.json!.kids as string[];
    // No wait: without the relay, the other worker would sign with its cached old key for up to a minute.
    const signed = await onEveryWorker(() => tokenFor('app'));
    for (const [worker, answer] of signed) {
      const header = JSON.parse(Buffer.from(String(answer.json!.access_token).split('.')[0], 'base64url').toString()) as { kid: string };
      expect(kids, `worker ${worker}`).toContain(header.kid);
    }
  });

  it('a TLS session resumes on the other worker (ticket keys shared by the primary)', async () => {
    const agent = new HttpsAgent({ keepAlive: false, rejectUnauthorized: false, maxCachedSessions: 4 });
    const probe = (n: number) =>
      new Promise<{ reused: boolean; worker: Promise<number> }>((resolve, reject) => {
        const clientId = `probe-${n}-${Date.now()}`;
        const from = server.lines.length;
        const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }).toString();
        const req = httpsRequest(`${server.url}/oauth2/token`, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
          const reused = (res.socket as TLSSocket).isSessionReused();
          res.resume();
          res.on('end', () => resolve({ reused, worker: servedBy('client.authentication.failed', clientId, from) }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const probes: { reused: boolean; worker: number }[] = [];
    for (let n = 0; n < 8; n++) {
      const { reused, worker } = await probe(n);
      probes.push({ reused, worker: await worker });
      // The agent resumes the session of the previous connection: stop once one crossed workers.
      if (n > 0 && reused && probes[n - 1].worker !== probes[n].worker) break;
    }
    agent.destroy();
    expect(probes[0].reused).toBe(false);
    // Every later connection resumed, whichever worker it reached.
    expect(probes.slice(1).every((p) => p.reused), JSON.stringify(probes)).toBe(true);
    const crossed = probes.some((p, i) => i > 0 && p.worker !== probes[i - 1].worker);
    expect(crossed, JSON.stringify(probes)).toBe(true);
  });

  it('a ticket-key rotation (SIGUSR2 to the primary) reaches every worker: old tickets no longer resume anywhere, new ones everywhere', async () => {
    const { hostname, port } = new URL(server.url);
    /** One token request on a new TLS connection presenting `session`: resumed?, the worker, the session it ends with. */
    const probe = (session?: Buffer) =>
      new Promise<{ reused: boolean; worker: number; session: Buffer }>((resolve, reject) => {
        const clientId = `rotation-${Date.now()}-${Math.random().toString(36).slice(2)}`;
        const from = server.lines.length;
        const socket = tlsConnect({ host: hostname, port: Number(port), servername: 'localhost', rejectUnauthorized: false, ...(session ? { session } : {}) });
        let latest: Buffer | undefined;
        let answered = false;
        let reused = false;
        socket.on('session', (s: Buffer) => (latest = s));
        socket.on('error', reject);
        socket.once('secureConnect', () => {
          reused = socket.isSessionReused();
          const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }).toString();
          socket.write(`POST /oauth2/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
        });
        socket.on('data', () => (answered = true));
        socket.once('close', () => {
          if (!answered) return reject(new Error('no answer'));
          servedBy('client.authentication.failed', clientId, from).then((worker) => resolve({ reused, worker, session: latest ?? session! }), reject);
        });
      });

    const before = await probe();
    expect(before.reused).toBe(false);
    // Until the rotation that ticket resumes.
    expect((await probe(before.session)).reused).toBe(true);
    const from = server.lines.length;
    process.kill(server.pid, 'SIGUSR2');
    await server.waitForLine((l) => l.role === 'primary' && l.msg === 'rotated the TLS session ticket keys (SIGUSR2)', from);
    // Every worker says it took the new keys before this goes on: no probe races the rotation.
    for (const slot of [1, 2]) await server.waitForLine((l) => l.worker === slot && /ticket keys replaced/.test(l.msg ?? ''), from);

    // The pre-rotation ticket resumes on no worker (Node keeps one ticket key: there is no grace).
    const old = new Map<number, boolean>();
    for (let i = 0; i < 20 && old.size < 2; i++) {
      const p = await probe(before.session);
      old.set(p.worker, p.reused);
    }
    expect(Object.fromEntries(old)).toEqual({ 1: false, 2: false });

    // A ticket issued after the rotation, by either worker, resumes on both.
    const fresh = await probe();
    const resumed = new Map<number, boolean>();
    for (let i = 0; i < 20 && resumed.size < 2; i++) {
      const p = await probe(fresh.session);
      resumed.set(p.worker, p.reused);
    }
    expect(Object.fromEntries(resumed), `ticket from worker ${fresh.worker}`).toEqual({ 1: true, 2: true });
  });

  it('/metrics aggregates every worker, each series labelled with its worker', async () => {
    const res = await once('/metrics', { basic: ADMIN });
    expect(res.status).toBe(200);
    const issued = res.text.split('\n').filter((l) => l.startsWith('tessera_http_requests_total{'));
    expect(issued.some((l) => l.includes('worker="1"'))).toBe(true);
    expect(issued.some((l) => l.includes('worker="2"'))).toBe(true);
  });

  it('a killed worker is replaced, and every token a client received stays valid', async () => {
    const TOTAL = 160;
    const CONCURRENCY = 6;
    const victim = 2;
    const victimPid = server.workerPid(victim);
    const from = server.lines.length;
    const tokens: string[] = [];
    const failures: string[] = [];
    let next = 0;
    let killed = false;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < TOTAL) {
          const index = next++;
          if (index === 40 && !killed) {
            killed = true;
            process.kill(victimPid, 'SIGKILL');
          }
          try {
            const res = await once('/oauth2/token', { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
            if (res.status === 200) tokens.push(res.json!.access_token as string);
            else failures.push(`${res.status} ${res.text}`);
          } catch (err) {
            // A connection the killed worker had accepted: reset, no answer.
            failures.push(String(err));
          }
        }
      }),
    );
    // Only requests in flight on the killed worker may fail, and only at the connection level.
    expect(failures.length, failures.join('\n')).toBeLessThanOrEqual(CONCURRENCY);
    expect(failures.every((f) => !/^\d{3} /.test(f)), failures.join('\n')).toBe(true);
    expect(tokens.length).toBe(TOTAL - failures.length);

    const died = await server.waitForLine((l) => l.role === 'primary' && l.worker === victim && /died/.test(l.msg ?? ''), from);
    expect(died.signal).toBe('SIGKILL');
    await server.waitForLine((l) => l.role === 'primary' && l.worker === victim && /started/.test(l.msg ?? ''), from);
    expect(server.workerPid(victim)).not.toBe(victimPid);
    const replaced = await server.waitForLine((l) => l.worker === victim && l.role === undefined && /^Tessera ready/.test(l.msg ?? ''), from, 60_000);
    expect(replaced).toBeDefined();

    // Every received token is known to both workers, the replacement included.
    const introspected = await onEveryWorker(async () => {
      const start = server.lines.length;
      const answer = await once('/oauth2/introspect', { form: { token: tokens[0] }, basic: ['resource-server', SECRET] });
      return { answer, worker: await servedBy('client.authentication.succeeded', 'resource-server', start) };
    });
    for (const answer of introspected.values()) expect(answer.json?.active).toBe(true);
    const inactive: number[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const answer = await once('/oauth2/introspect', { form: { token: tokens[i] }, basic: ['resource-server', SECRET] });
      if (answer.json?.active !== true) inactive.push(i);
    }
    expect(inactive).toEqual([]);
  }, 120_000);

  it('SIGTERM to the primary drains every worker and exits 0', async () => {
    const from = server.lines.length;
    expect(await server.stop('SIGTERM')).toBe(0);
    const draining = server.lines.slice(from).filter((l) => l.worker !== undefined && l.role === undefined && /draining and stopping/.test(l.msg ?? ''));
    expect(new Set(draining.map((l) => l.worker))).toEqual(new Set([1, 2]));
    expect(server.lines.slice(from).some((l) => l.role === 'primary' && l.msg === 'stopped')).toBe(true);
  }, 60_000);
});

describe('SIGTERM during start-up', () => {
  it('stops a worker that is still starting too, instead of killing it when the time is up', async () => {
    const starting = await startWorkers('[server]\nworkers = 2\n', { until: (l) => l.role === 'primary' && l.worker === 2 && /started/.test(l.msg ?? '') });
    started.push(starting);
    const at = Date.now();
    expect(await starting.stop('SIGTERM')).toBe(0);
    expect(starting.lines.some((l) => /did not stop in time/.test(l.msg ?? ''))).toBe(false);
    expect(starting.lines.some((l) => l.worker === 2 && l.role === undefined && /draining and stopping/.test(l.msg ?? ''))).toBe(true);
    // Well under the drain delay (0) + 15 s after which the primary kills a worker.
    expect(Date.now() - at).toBeLessThan(14_000);
  }, 120_000);
});

describe('a crash loop', () => {
  it('stops the server with a clear message instead of restarting workers forever', async () => {
    const looping = await startWorkers('[server]\nworkers = 2\n');
    try {
      let from = looping.lines.length;
      const killed: number[] = [];
      // Six deaths within the minute (the limit is five): each replacement is killed as soon as it is forked.
      for (let i = 0; i < 6; i++) {
        const pid = looping.workerPid(1);
        killed.push(pid);
        process.kill(pid, 'SIGKILL');
        if (i === 5) break;
        await looping.waitForLine((l) => l.role === 'primary' && l.worker === 1 && /started/.test(l.msg ?? '') && l.pid !== pid, from);
        from = looping.lines.length;
      }
      expect(new Set(killed).size).toBe(6);
      expect(await looping.exited).toBe(1);
      const message = looping.lines.find((l) => l.role === 'primary' && /crash loop/.test(l.msg ?? ''));
      expect(message?.msg).toMatch(/^workers crash loop: 6 worker crashes within 60 s \(the last: worker 1, signal SIGKILL\); stopping Tessera/);
      // The other worker was drained, not left behind.
      expect(looping.lines.some((l) => l.worker === 2 && l.role === undefined && /draining and stopping/.test(l.msg ?? ''))).toBe(true);
    } finally {
      await looping.dispose();
    }
  }, 120_000);
});

describe('[server] workers = 2 on PostgreSQL', () => {
  const schema = uniqueSchema('tessera_workers');
  beforeAll(async () => {
    server = await startWorkers(`[server]\nworkers = 2\n\n${postgresToml(schema)}`);
    started.push(server);
    await createClient('app');
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
    await dropSchema(schema);
  }, 60_000);

  it('relays invalidations between the workers over IPC next to LISTEN/NOTIFY: a deleted client is refused by every worker at once', () => createdAndDeletedEverywhere());
});
