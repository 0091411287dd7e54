/**
 * `kill -9` of a `tessera start` process in the middle of a load run (token requests, 8 at a time),
 * then a restart on the same data folder: every access token a client received before the crash is
 * still active, the SQLite file passes `PRAGMA integrity_check`, and every access-token row is whole
 * (no half-written row, every token the clients hold has its row).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { opaqueTokenId } from '../../core/tokens/token-ids.ts';
import { closeAgents, send } from './kit.ts';
import { freePort, startTessera, type TesseraProcess } from './tessera-process.ts';

const TOTAL = 200;
const CONCURRENCY = 8;
const KILL_AFTER = 80;
const SECRET = 'kill-restart-secret-0123456789abcd';
const CLIENTS = { 'load-jwt': 'jwt', 'load-opaque': 'opaque' } as const;

describe('kill -9 during load, then restart on the same data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-kill-'));
  const config = join(dir, 'deployment.toml');
  let running: TesseraProcess | undefined;
  const received: { clientId: keyof typeof CLIENTS; token: string }[] = [];
  let failedInFlight = 0;

  afterAll(async () => {
    running?.child.kill('SIGKILL');
    await closeAgents();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every token a client received, and a consistent database', { timeout: 120_000 }, async () => {
    // A fixed port: the issuer (and so every JWT's iss) must be the same after the restart.
    const port = await freePort();
    writeFileSync(config, `[server]\ndata_dir = "data"\n\n[transport.https]\nhost = "127.0.0.1"\nport = ${port}\n\n[logging]\nlevel = "info"\n`);
    running = await startTessera(config, dir);
    const base = running.url;
    for (const [clientId, format] of Object.entries(CLIENTS)) {
      const created = await send(`${base}/api/admin/default/clients`, {
        method: 'POST',
        basic: ['admin', 'admin'],
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: clientId, client_secret: SECRET, grant_types: ['client_credentials'], access_token_format: format }),
      });
      expect(created.status, created.text).toBe(201);
    }

    // The load run: workers take the next request number until TOTAL; the process dies at KILL_AFTER.
    let next = 0;
    let killed = false;
    const victim = running;
    const worker = async () => {
      while (next < TOTAL) {
        const n = next++;
        const clientId = n % 2 === 0 ? 'load-jwt' : 'load-opaque';
        try {
          const res = await send(`${base}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: [clientId, SECRET], deadlineMs: 20_000 });
          if (res.status === 200) received.push({ clientId, token: res.json.access_token });
          else throw new Error(`unexpected ${res.status} ${res.text}`);
        } catch (err) {
          if (!killed) throw err;
          failedInFlight++;
        }
        if (!killed && received.length >= KILL_AFTER) {
          killed = true;
          victim.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(killed).toBe(true);
    expect(await victim.exited).toBeNull(); // died of the signal
    expect(received.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(failedInFlight).toBeGreaterThan(0);

    // Restart on the same folder: every token received before the crash is active.
    running = await startTessera(config, dir);
    expect(running.url).toBe(base);
    const inactive: string[] = [];
    for (let i = 0; i < received.length; i += CONCURRENCY) {
      await Promise.all(
        received.slice(i, i + CONCURRENCY).map(async ({ clientId, token }) => {
          const res = await send(`${base}/oauth2/introspect`, { form: { token }, basic: [clientId, SECRET] });
          if (res.status !== 200 || res.json.active !== true || res.json.client_id !== clientId) inactive.push(`${res.status} ${res.text}`);
        }),
      );
    }
    expect(inactive).toEqual([]);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    running = undefined;

    // The file itself: intact, and every access-token row whole.
    const db = new Database(join(dir, 'data', 'tessera.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const rows = db.prepare('select * from access_tokens').all() as Record<string, unknown>[];
      expect(rows.length).toBeGreaterThanOrEqual(received.length);
      for (const row of rows) {
        expect(row.tenant_id).toBe('default');
        expect(row.server_id).toBe('default');
        expect(Object.keys(CLIENTS)).toContain(row.client_id);
        expect(row.format).toBe(CLIENTS[row.client_id as keyof typeof CLIENTS]);
        expect(typeof row.id === 'string' && row.id.length > 10).toBe(true);
        expect(Number(row.expires_at)).toBeGreaterThan(Number(row.issued_at));
        expect(Array.isArray(JSON.parse(String(row.scopes)))).toBe(true);
        expect(Array.isArray(JSON.parse(String(row.audience)))).toBe(true);
        expect([0, 1]).toContain(row.revoked);
      }
      const ids = new Set(rows.map((r) => r.id));
      for (const { clientId, token } of received) {
        const id = CLIENTS[clientId] === 'jwt' ? (decodeJwt(token).jti as string) : opaqueTokenId(token);
        expect(ids.has(id), `no row for a token ${clientId} received`).toBe(true);
      }
    } finally {
      db.close();
    }
  });
});
