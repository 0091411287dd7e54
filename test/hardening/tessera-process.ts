/**
 * `tessera start` as a child process, the way an operator runs it: for the tests that kill it
 * (kill -9) and restart it on the same data folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';

// A restart that must keep its issuer URL takes a port known beforehand.
export { freePort } from '../support/free-port.ts';

export interface TesseraProcess {
  child: ChildProcess;
  /** The main listener's URL from the ready line. */
  url: string;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export function startTessera(configFile: string, cwd: string, readyWithinMs = 60_000): Promise<TesseraProcess> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'tessera.mjs'), 'start', '--config', configFile], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tessera start was not ready within ${readyWithinMs} ms:\n${out}`));
    }, readyWithinMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.includes('Tessera ready'));
      if (line && timer) {
        clearTimeout(timer);
        const ready = JSON.parse(line) as { listeners: { name: string; url: string }[] };
        resolve({ child, url: ready.listeners[0].url.replace('127.0.0.1', 'localhost'), output: () => out, exited });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tessera start exited (${code}) before it was ready:\n${out}`));
    });
  });
}

