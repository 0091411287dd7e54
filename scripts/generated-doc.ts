/**
 * A generated doc's two modes: write it, or (`--check`) exit 1 when the committed copy differs from
 * what its generator renders now. Shared by config-reference.ts and plugin-api-reference.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export function writeOrCheck(target: string, expected: string, regenerate: string): void {
  const name = relative(fileURLToPath(new URL('..', import.meta.url)), target);
  if (!process.argv.includes('--check')) {
    writeFileSync(target, expected);
    console.log(`wrote ${target}`);
    return;
  }
  let current: string | null = null;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // Missing counts as stale.
  }
  if (current !== expected) {
    console.error(`${name} is stale: run \`${regenerate}\``);
    process.exit(1);
  }
  console.log(`${name} is up to date`);
}
