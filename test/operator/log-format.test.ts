/**
 * `[logging] format`: JSON lines for machines, readable lines for a person at a terminal. `auto` is
 * checked under a real pseudo-terminal (util-linux `script`), the way a person runs `npm start`.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logging/logger.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { leftovers } from '../support/leftovers.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'tessera.mjs');
const left = leftovers();

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * Starts the server with `[logging] format = <format>`, on a terminal or a pipe, and returns every
 * line written up to and including the ready line (ANSI colours kept), after stopping it with SIGTERM.
 */
async function startWith(format: string | null, terminal: boolean): Promise<string> {
  const dir = left.folder('tessera-logfmt-');
  const config = join(dir, 'deployment.toml');
  writeFileSync(config, `[server]\ndata_dir = "data"\n[transport.https]\nport = 0\nhost = "127.0.0.1"\n${format ? `[logging]\nformat = "${format}"\n` : ''}`);
  const command = [process.execPath, BIN, 'start', '--config', config];
  const child = terminal
    ? spawn('script', ['-qec', command.map((a) => `'${a}'`).join(' '), '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    : spawn(command[0], command.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  left.group(child.pid!);
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      if (out.includes('Tessera ready')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk));
    void exited.then(() => reject(new Error(`exited before it was ready:\n${out}`)));
  });
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
  return out;
}

const jsonReadyLine = (out: string) => out.split(/\r?\n/).find((l) => l.startsWith('{') && l.includes('Tessera ready'));

describe('[logging] format', () => {
  it('auto: readable, coloured lines on a terminal', async () => {
    const out = await startWith(null, true);
    expect(out).toMatch(ANSI);
    expect(out.replace(ANSI, '')).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Tessera ready: https https:\/\/localhost:\d+/m);
    expect(jsonReadyLine(out)).toBeUndefined();
  }, 60_000);

  it('auto: JSON lines when stdout is a pipe', async () => {
    const out = await startWith('auto', false);
    expect(JSON.parse(jsonReadyLine(out)!)).toMatchObject({ level: 30, service: 'tessera' });
    expect(out).not.toMatch(ANSI);
  }, 60_000);

  it('json on a terminal and pretty on a pipe: the setting wins over the guess', async () => {
    const onTerminal = await startWith('json', true);
    expect(JSON.parse(jsonReadyLine(onTerminal)!)).toMatchObject({ level: 30 });
    const onPipe = await startWith('pretty', false);
    expect(onPipe).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Tessera ready: /m);
    expect(onPipe).not.toMatch(ANSI); // colours only for a terminal
    expect(jsonReadyLine(onPipe)).toBeUndefined();
  }, 90_000);

  it('pretty lines are redacted like JSON ones', () => {
    let written = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        written += String(chunk);
        done();
      },
    });
    createLogger('info', sink, 'pretty').info({ client: { client_secret: 's3cr3t-value', id: 'c1' }, password: 'hunter2' }, 'login');
    expect(written).toMatch(/INFO: login/);
    expect(written).toContain('"c1"');
    expect(written).toContain('[redacted]');
    expect(written).not.toMatch(/s3cr3t-value|hunter2/);
  });
});
