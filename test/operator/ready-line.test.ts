/**
 * `tessera start` in a folder without deployment.toml runs on defaults; the ready line says so (and
 * names the file it read otherwise), so nobody wonders why their settings do nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, type LoadedConfig } from '../../core/config/load-config.ts';
import { createLogger } from '../../core/logging/logger.ts';
import { startServer } from '../../core/runtime/start-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-ready-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readyLine(loaded: LoadedConfig): Promise<{ msg: string; config: string | null }> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const running = await startServer({ loaded, logger: createLogger('info', sink) });
  await running.stop(0);
  return JSON.parse(lines.find((l) => l.includes('Tessera ready'))!) as { msg: string; config: string | null };
}

describe('the ready line', () => {
  const toml = `[server]\ndata_dir = "${join(dir, 'data')}"\n[transport.https]\nport = 0\nhost = "127.0.0.1"\n`;

  it('says when no deployment.toml was found and everything is a default', async () => {
    // What loadConfig() returns in a folder without deployment.toml (file: null), on a free port.
    const loaded = { ...parseConfig(toml, join(dir, 'deployment.toml')), file: null };
    const ready = await readyLine(loaded);
    expect(ready.msg).toMatch(/^Tessera ready: https https:\/\/localhost:\d+; discovery \S+; home https:\/\/localhost:\d+\/; no deployment\.toml in .+: all defaults \(tessera start --config FILE\)$/);
    expect(ready.config).toBeNull();
  });

  it('names the file it read otherwise, and says nothing about defaults', async () => {
    const loaded = parseConfig(toml, join(dir, 'deployment.toml'));
    const ready = await readyLine(loaded);
    expect(ready.msg).not.toMatch(/no deployment\.toml/);
    expect(ready.config).toBe(join(dir, 'deployment.toml'));
  });
});
