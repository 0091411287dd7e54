/**
 * `npm test` on a machine without nginx or Chromium: TESSERA_SKIP_SYSTEM_PACKAGES=1 installs nothing
 * and leaves out exactly the test files that need one of them; the install script says what it would
 * install and why before doing anything.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { SYSTEM_PACKAGE_TESTS } from '../../vitest.config.ts';

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => relative(PROJECT_ROOT, join(e.parentPath, e.name)));
}

const ALL = [...testFiles(join(PROJECT_ROOT, 'test')), ...testFiles(join(PROJECT_ROOT, 'plugins'))].sort();
const NEEDS = Object.values(SYSTEM_PACKAGE_TESTS).flat();

describe('tests and system packages', () => {
  it('lists every test file that starts nginx or Chromium, and only existing files', () => {
    const driving = ALL.filter((file) => /support\/(cluster|browser)\.ts'/.test(readFileSync(join(PROJECT_ROOT, file), 'utf8')));
    expect(driving.length).toBeGreaterThan(0);
    expect(NEEDS.filter((file) => !ALL.includes(file))).toEqual([]);
    expect(driving.filter((file) => !NEEDS.includes(file))).toEqual([]);
  });

  it('TESSERA_SKIP_SYSTEM_PACKAGES=1: vitest runs every other test file, and the install script installs nothing', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_SKIP_SYSTEM_PACKAGES: '1' };
    for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name];
    const listed = spawnSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'list', '--filesOnly'], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(listed.status, listed.stderr).toBe(0);
    // Each line is `[project] file` (the unit and integration projects of vitest.config.ts).
    const files = listed.stdout.split('\n').map((l) => l.trim().replace(/^\[[\w-]+\]\s+/, '')).filter((l) => l.endsWith('.test.ts')).sort();
    expect(files).toEqual(ALL.filter((file) => !NEEDS.includes(file)));

    const script = spawnSync('bash', [join(PROJECT_ROOT, 'scripts', 'install-system-packages.sh')], { env, encoding: 'utf8' });
    expect(script.status).toBe(0);
    expect(script.stdout).toMatch(/^TESSERA_SKIP_SYSTEM_PACKAGES=1: installing no system package; the tests that need nginx or Chromium are left out/);
  });
});
