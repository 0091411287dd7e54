/**
 * Security review #15 item 3: `data/tessera.db` (-wal, -shm) was 0644 in a 0755 folder, yet it held
 * the private signing keys and sign-in session ids in clear; a local user forged ID tokens and
 * replayed a session cookie. Now: the data folder is 0700 and its files 0600 (a wider existing one is
 * warned about at start), session ids are stored hashed, and `[server] key_encryption_key_file`
 * wraps the stored private keys (AES-256-GCM).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { CookieJar, REDIRECT_URI, createUser, pkcePair, startAuthorization, submitLogin } from '../oauth/oauth-helpers.ts';
import { closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, send } from './kit.ts';

const SECRET = 'private-data-secret-0123456789ab';
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

function rows<T>(dbFile: string, query: string): T[] {
  const db = new BetterSqlite3(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
}

describe('private data at rest', () => {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-private-'));
    dirs.push(dir);
    return dir;
  };
  const start = async (dir: string, toml = '') => {
    const server = await startTestServer({ dir, toml: `[logging]\nlevel = "info"\n${toml}` });
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    await closeAgents();
    await closeClients();
    for (const server of servers) await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the data folder 0700 and every file in it 0600, database -wal and -shm included', async () => {
    const dir = newDir();
    const server = await start(dir);
    await server.createClient({ clientId: 'app', secret: SECRET });
    expect((await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] })).status).toBe(200);
    const data = join(dir, 'data');
    expect(modeOf(data)).toBe('700');
    for (const name of ['tessera.db', 'tessera.db-wal', 'tessera.db-shm', 'server-key.pem', 'server-cert.pem']) {
      expect(`${name} ${modeOf(join(data, name))}`).toBe(`${name} 600`);
    }
  });

  it('warns at start about an existing folder or file that others may read', async () => {
    const dir = newDir();
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o755 });
    chmodSync(data, 0o755);
    writeFileSync(join(data, 'notes.txt'), 'x', { mode: 0o644 });
    chmodSync(join(data, 'notes.txt'), 0o644);
    const server = await start(dir);
    const warnings = server.logs.filter((l) => l.includes('readable by other local users'));
    expect(warnings.some((l) => l.includes(`"path":"${data}"`) && l.includes('0755'))).toBe(true);
    expect(warnings.some((l) => l.includes('notes.txt') && l.includes('0644'))).toBe(true);
  });

  it('stores the sign-in session id hashed: the cookie value is nowhere in the database', async () => {
    const dir = newDir();
    const server = await start(dir);
    await server.createClient({ clientId: 'web', secret: SECRET });
    await createUser(server, 'sam', 'sam-Passw0rd-private');
    const jar = new CookieJar();
    const login = await startAuthorization(server, jar, { client_id: 'web', redirect_uri: REDIRECT_URI, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
    const signedIn = await submitLogin(server, jar, login, 'sam', 'sam-Passw0rd-private');
    const cookies = ([] as string[]).concat(signedIn.headers['set-cookie'] ?? []);
    const session = cookies.map((c) => /^tessera_session_default_default=([^;]+)/.exec(c)?.[1]).find(Boolean);
    expect(session, cookies.join('\n')).toBeTruthy();
    const stored = rows<{ key: string; value: string }>(join(dir, 'data', 'tessera.db'), 'select key, value from kv');
    expect(stored.some((r) => r.key.startsWith('session:'))).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(session!);
  });

  it('wraps stored private keys with key_encryption_key_file; tokens still verify against /oauth2/jwks', async () => {
    const dir = newDir();
    writeFileSync(join(dir, 'kek'), randomBytes(32).toString('base64'), { mode: 0o600 });
    const server = await start(dir, '[server]\nkey_encryption_key_file = "kek"\n');
    await server.createClient({ clientId: 'app', secret: SECRET, accessTokenFormat: 'jwt' });
    const issued = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
    expect(issued.status, issued.text).toBe(200);
    const keys = rows<{ private_jwk: string }>(join(dir, 'data', 'tessera.db'), 'select private_jwk from signing_keys');
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key.private_jwk).toMatch(/^wrapped:v1:/);
      expect(key.private_jwk).not.toContain('"d"');
    }
    const published = (await send(`${server.url}/oauth2/jwks`)).json as { keys: Array<Record<string, string>> };
    const kid = decodeProtectedHeader(issued.json.access_token).kid;
    const jwk = published.keys.find((k) => k.kid === kid)!;
    await expect(jwtVerify(issued.json.access_token, await importJWK(jwk, jwk.alg))).resolves.toBeTruthy();
    await server.stop();

    // Without the file, or with another one: refused at start, naming the setting.
    await expect(startTestServer({ dir })).rejects.toThrow(/server\.key_encryption_key_file.*stored encrypted/);
    writeFileSync(join(dir, 'other-kek'), randomBytes(32).toString('base64'), { mode: 0o600 });
    await expect(startTestServer({ dir, toml: '[server]\nkey_encryption_key_file = "other-kek"\n' })).rejects.toThrow(/server\.key_encryption_key_file.*another key/);
    writeFileSync(join(dir, 'short-kek'), 'too short', { mode: 0o600 });
    await expect(startTestServer({ dir, toml: '[server]\nkey_encryption_key_file = "short-kek"\n' })).rejects.toThrow(/at least 32/);
  });

  it('keeps keys stored before key_encryption_key_file was set working', async () => {
    const dir = newDir();
    const before = await start(dir);
    const publishedBefore = (await send(`${before.url}/oauth2/jwks`)).json.keys.map((k: { kid: string }) => k.kid).sort();
    await before.stop();
    writeFileSync(join(dir, 'kek'), randomBytes(32).toString('base64'), { mode: 0o600 });
    const after = await start(dir, '[server]\nkey_encryption_key_file = "kek"\n');
    await after.createClient({ clientId: 'app', secret: SECRET, accessTokenFormat: 'jwt' });
    const issued = await send(`${after.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] });
    expect(issued.status, issued.text).toBe(200);
    expect((await send(`${after.url}/oauth2/jwks`)).json.keys.map((k: { kid: string }) => k.kid).sort()).toEqual(publishedBefore);
  });
});
