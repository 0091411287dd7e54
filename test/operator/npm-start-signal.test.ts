/**
 * `npm start` is the README's start command, and what Docker, systemd and process managers signal.
 * SIGTERM to the npm process must reach the server (one process chain, `exec` in the script: a shell
 * between npm and node would swallow it and leave the server orphaned), which drains and exits 0.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { leftovers } from '../support/leftovers.ts';

/** npm runs in its own process group: a failed run's orphan is killed with the group, not left serving. */
const left = leftovers();

/** Resolves true when something accepts a TCP connection on the port, false when it is refused. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start', () => {
  it('stops on SIGTERM to the npm process: exit code 0 and the port is free again', async () => {
    const dir = left.folder('tessera-npm-start-');
    const config = join(dir, 'deployment.toml');
    writeFileSync(config, '[server]\ndata_dir = "data"\n[transport.https]\nport = 0\nhost = "127.0.0.1"\n');
    const npm = spawn('npm', ['start', '--', '--config', config], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    left.group(npm.pid!);
    let out = '';
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      npm.stdout!.on('data', (chunk: Buffer) => {
        out += chunk;
        const line = out.split('\n').find((l) => l.includes('Tessera ready'));
        if (line) resolve(Number(new URL((JSON.parse(line) as { listeners: { url: string }[] }).listeners[0].url).port));
      });
      npm.stderr!.on('data', (chunk: Buffer) => (out += chunk));
      void exited.then((code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${out}`)));
    });
    expect(await accepting(port)).toBe(true);

    npm.kill('SIGTERM');
    expect(await exited, out).toBe(0);
    expect(out).toMatch(/received SIGTERM/);
    expect(await accepting(port)).toBe(false);
  }, 90_000);
});
