/**
 * Security review #15 item 8: the server listened on 0.0.0.0 by default while the super admin was
 * admin/admin. Now the HTTPS listener binds 127.0.0.1 by default (the guides run as written, at
 * https://localhost:9443), and start-up refuses the default password on a non-loopback address
 * with an error naming `[super_admin] password`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config/load-config.ts';
import { startTestServer } from '../support/test-server.ts';
import { closeAgents, send } from './kit.ts';
import { startTessera } from './tessera-process.ts';

describe('default super admin password on a network address', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await closeAgents();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('binds the HTTPS listener to loopback by default', () => {
    expect(parseConfig('', 'deployment.toml').config.transport.https.host).toBe('127.0.0.1');
  });

  it('tessera start refuses 0.0.0.0 with admin/admin, exit code 2, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-exposed-'));
    dirs.push(dir);
    const config = join(dir, 'deployment.toml');
    writeFileSync(config, '[server]\ndata_dir = "data"\n\n[transport.https]\nhost = "0.0.0.0"\nport = 0\n');
    const failure = await startTessera(config, dir, 60_000).then(
      (running) => {
        running.child.kill('SIGKILL');
        throw new Error('tessera start served with admin/admin on 0.0.0.0');
      },
      (err: Error) => err.message,
    );
    expect(failure).toContain('exited (2)');
    expect(failure).toContain('super_admin.password');
    expect(failure).toContain('transport.https.host = "0.0.0.0"');
  });

  it('refuses it for the plain HTTP listener too', async () => {
    await expect(startTestServer({ toml: '[transport.http]\nenabled = true\nhost = "0.0.0.0"\nport = 0\n' })).rejects.toThrow(/super_admin\.password.*transport\.http\.host = "0\.0\.0\.0"/);
  });

  it('serves on 0.0.0.0 once the password is set, and on loopback with the default one', async () => {
    const exposed = await startTestServer({ toml: '[super_admin]\npassword = "a-Passw0rd-of-our-own-0123"\n\n[transport.https]\nhost = "0.0.0.0"\n' });
    try {
      expect((await send(`${exposed.url}/.well-known/openid-configuration`)).status).toBe(200);
    } finally {
      await exposed.dispose();
    }
    const local = await startTestServer();
    try {
      expect(local.url).toMatch(/^https:\/\/localhost:\d+$/);
      expect((await send(`${local.url}/.well-known/openid-configuration`)).json.issuer).toBe(local.url);
    } finally {
      await local.dispose();
    }
  });
});
