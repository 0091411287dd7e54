/**
 * What a test file leaves behind when it starts servers as child processes: temporary folders, and
 * detached process groups (a failed run's orphan is killed with its group, not left serving). Both
 * are removed when the file ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export function leftovers(): { folder(prefix: string): string; group(pid: number): void } {
  const dirs: string[] = [];
  const groups: number[] = [];
  afterAll(() => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // the group is gone: everything exited
      }
    }
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });
  return {
    folder(prefix) {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    group(pid) {
      groups.push(pid);
    },
  };
}
