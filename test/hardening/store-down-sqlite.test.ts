/**
 * The embedded SQLite store becomes unusable under a running server. The tests run as root, so file
 * permissions cannot take it away, and a replaced or deleted file changes nothing for a connection
 * that holds the old one open; what does happen in practice is another process holding the write
 * lock (a backup tool, an operator's `sqlite3` shell left in a transaction). While it does: a write
 * waits for the lock without holding up anyone else (reads keep working: WAL), and answers 503
 * temporarily_unavailable (not a 500) after 5 s, or goes through if the lock goes meanwhile; /health
 * says the store is down at once; when the lock goes, the server recovers.
 * The classifier's other cases (PostgreSQL 55000, SQLITE_PROTOCOL) are checked without a server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { isUnavailableError, lockRetries } from '../../core/store/unavailable.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { waitFor } from '../support/wait-for.ts';
import { closeAgents, send, type Sent } from './kit.ts';

const SECRET = 'store-down-sqlite-secret-0123456789';

/** Another process that takes the database's write lock and keeps it until its stdin closes. */
function holdWriteLock(file: string): Promise<ChildProcess> {
  const script = `
const Database = require(${JSON.stringify(join(PROJECT_ROOT, 'node_modules', 'better-sqlite3'))});
const db = new Database(${JSON.stringify(file)});
db.pragma('busy_timeout = 10000');
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.on('data', () => {});
process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
}

describe('SQLite unavailable under a running server', () => {
  let server: TestServer;
  let issued: string;
  let locker: ChildProcess | undefined;

  beforeAll(async () => {
    server = await startTestServer({ toml: '[logging]\nlevel = "info"\n\n[observability]\nmetrics_listener = "0"\n' });
    await server.createClient({ clientId: 'app', secret: SECRET });
    const res = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
    expect(res.status, res.text).toBe(200);
    issued = res.json.access_token;
  });
  afterAll(async () => {
    locker?.kill('SIGKILL');
    await closeAgents();
    await server.dispose();
  });

  it('the classifier calls a database closed to connections and exhausted WAL lock retries unavailability', () => {
    expect(isUnavailableError(Object.assign(new Error('database "x" is not currently accepting connections'), { code: '55000' }))).toBe(true);
    expect(isUnavailableError(Object.assign(new Error('locking protocol'), { code: 'SQLITE_PROTOCOL' }))).toBe(true);
    // 55000 is also "object not in prerequisite state" for unrelated things: not unavailability.
    expect(isUnavailableError(Object.assign(new Error('cannot drop the currently open database'), { code: '55000' }))).toBe(false);
  });

  it('while another process holds the write lock: /health says down at once, writes answer 503, reads still work', async () => {
    locker = await holdWriteLock(server.runtime.config.database.sqlite_file);

    // No wall-time bounds (they flake on a busy machine): the order of events says it. The write
    // is seen retrying for the lock; health and a read are answered while it still waits.
    const retriesBefore = lockRetries();
    let writeSettled = false;
    const writing: Promise<Sent> = send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
    void writing.finally(() => (writeSettled = true));
    await waitFor(() => lockRetries() > retriesBefore, Boolean, { what: 'the write waiting for the lock' });

    const health = await send(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({ status: 'unavailable', store: { kind: 'sqlite', status: 'down' } });
    expect(writeSettled, 'health must not wait behind a write waiting for the lock').toBe(false);
    const read = await send(`${server.url}/oauth2/introspect`, { form: { token: issued }, basic: ['app', SECRET] });
    expect(read.status, read.text).toBe(200);
    expect(read.json.active).toBe(true);
    expect(writeSettled, 'a read must not wait behind a write waiting for the lock').toBe(false);

    const write = await writing;
    expect(write.status, write.text).toBe(503);
    expect(write.json.error).toBe('temporarily_unavailable');
    expect(write.headers['retry-after']).toBe('1');
  });

  it('recovers once the lock is released', async () => {
    locker!.stdin!.end();
    await new Promise((resolve) => locker!.once('exit', resolve));
    locker = undefined;
    expect((await send(`${server.url}/health`)).status).toBe(200);
    const res = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
    expect(res.status, res.text).toBe(200);
    const scraped = await send(`${server.running.url('metrics')}/metrics`);
    expect(scraped.text).toContain('tessera_http_requests_total');
    const metrics = scraped.text;
    expect(metrics).not.toMatch(/tessera_http_requests_total\{[^}]*status="500"\}/);
  });

  it('a write waiting for the lock goes through when the lock goes within the wait', async () => {
    locker = await holdWriteLock(server.runtime.config.database.sqlite_file);
    const retriesBefore = lockRetries();
    const writing = send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
    await waitFor(() => lockRetries() > retriesBefore, Boolean, { what: 'the write waiting for the lock' });
    locker.stdin!.end();
    await new Promise((resolve) => locker!.once('exit', resolve));
    locker = undefined;
    const write = await writing;
    expect(write.status, write.text).toBe(200);
    const check = await send(`${server.url}/oauth2/introspect`, { form: { token: write.json.access_token }, basic: ['app', SECRET] });
    expect(check.json.active).toBe(true);
  });
});
