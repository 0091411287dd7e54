import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { listenerBundle, makeDropins } from '../support/fixture-bundles.ts';
import { waitFor } from '../support/wait-for.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'tessera.mjs');
const dirs: string[] = [];

function folderWith(toml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'deployment.toml'), toml);
  return dir;
}

afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Starts `tessera start` and resolves with the ready line's parsed JSON. */
function start(dir: string): Promise<{ child: ChildProcess; ready: { listeners: { name: string; url: string }[]; msg: string }; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'start', '--config', join(dir, 'deployment.toml')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.includes('Tessera ready'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, ready: JSON.parse(line), output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c));
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}

describe('tessera start', () => {
  it('logs one ready line with its URLs, answers /health, and drains an in-flight request on SIGTERM before exiting 0', async () => {
    const dir = folderWith('[transport.https]\nport = 0\nhost = "127.0.0.1"\n[server]\ndata_dir = "var"\n');
    const { child, ready, output } = await start(dir);
    // A loopback HTTPS bind is named by server.hostname (localhost), as its certificate is.
    expect(ready.msg).toMatch(/^Tessera ready: https https:\/\/localhost:\d+/);
    const url = new URL(ready.listeners[0].url);
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: url.hostname, port: url.port, path, rejectUnauthorized: false }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c)).on('end', () => resolve({ status: res.statusCode!, body }));
        }).on('error', reject).end();
      });
    expect(await get('/health')).toMatchObject({ status: 200 });

    // A request whose body is still arriving when SIGTERM comes must still be answered. The server's
    // 100 Continue says it has the request; the log line says it got the signal: no fixed waits.
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: '/oauth2/token', method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '29', expect: '100-continue' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.once('continue', () => {
        req.write('grant_type=client_');
        child.kill('SIGTERM');
        waitFor(output, (text) => /received SIGTERM/.test(text), { what: 'the SIGTERM log line' }).then(() => req.end('credentials'), reject);
      });
      req.flushHeaders();
    });
    expect(await inFlight).toBe(401); // no client credentials: a real answer, not a reset
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output()).toBe(0);
    expect(output()).toMatch(/received SIGTERM/);
  });

  it('refuses a configuration with a wrong type, naming the file, line and key, exit 2', () => {
    const dir = folderWith('[server]\nhostname = "id.example.com"\n\n[transport.https]\nport = "9443"\n');
    const res = spawnSync(process.execPath, [BIN, 'start', '--config', join(dir, 'deployment.toml')], { encoding: 'utf8', timeout: 30_000 });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/deployment\.toml:5: transport\.https\.port: /);
  });

  it('says which key moves the listener when its port is taken, without a stack trace, exit 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const dir = folderWith(`[transport.https]\nport = ${port}\n`);
      const res = spawnSync(process.execPath, [BIN, 'start', '--config', join(dir, 'deployment.toml')], { encoding: 'utf8', timeout: 30_000 });
      expect(res.status).toBe(1);
      expect(res.stderr).toContain(`127.0.0.1:${port} is already in use; choose another with [transport.https] port`);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
  });

  it('refuses a missing bundle an entry enables, exit 2', () => {
    const dir = folderWith('[transport.https]\nport = 0\n\n[[event_listener]]\nname = "org.example.NotInstalled"\n');
    const res = spawnSync(process.execPath, [BIN, 'start', '--config', join(dir, 'deployment.toml')], { encoding: 'utf8', timeout: 30_000 });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/no bundle in dropins\/ provides "org.example.NotInstalled"/);
  });
});

describe('tessera plugins', () => {
  it('--json lists bundles, versions, components, aliases, enabled state and order', () => {
    const dropins = makeDropins([listenerBundle('audit', [{ name: 'fx.Audit', aliases: ['org.example.Audit'], order: 40 }])]);
    const dir = folderWith('[[event_listener]]\nname = "org.example.Audit"\norder = 7\n');
    const res = spawnSync(process.execPath, [BIN, 'plugins', '--json', '--config', join(dir, 'deployment.toml'), '--dropins', dropins], { encoding: 'utf8', timeout: 30_000 });
    expect(res.status, res.stderr).toBe(0);
    const { bundles } = JSON.parse(res.stdout);
    expect(bundles.map((b: { name: string }) => b.name)).toEqual(['core', 'audit']);
    expect(bundles[1]).toMatchObject({ version: '1.0.0', status: 'active', components: [{ kind: 'EventListener', name: 'fx.Audit', aliases: ['org.example.Audit'], enabled: true, order: 7 }] });
    expect(bundles[0].components.find((c: { name: string }) => c.name === 'tessera.core.ClientSecretAuthenticator')).toMatchObject({ enabled: true });
  });

  it('shows the first-party bundles of dropins/', () => {
    const dir = folderWith('');
    const res = spawnSync(process.execPath, [BIN, 'plugins', '--json', '--config', join(dir, 'deployment.toml')], { encoding: 'utf8', timeout: 30_000 });
    expect(res.status, res.stderr).toBe(0);
    const names = JSON.parse(res.stdout).bundles.map((b: { name: string }) => b.name);
    expect(names[0]).toBe('core');
  });
});
