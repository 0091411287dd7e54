/**
 * Writes docs/configuration.md from the config schema.
 *   npx tsx scripts/config-reference.ts          regenerate
 *   npx tsx scripts/config-reference.ts --check  exit 1 when the committed file is stale (CI)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from '../core/config/config-reference.ts';

const target = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
const expected = renderConfigReference();

if (process.argv.includes('--check')) {
  let current: string | null = null;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // Missing counts as stale.
  }
  if (current !== expected) {
    console.error('docs/configuration.md is stale: run `npx tsx scripts/config-reference.ts`');
    process.exit(1);
  }
  console.log('docs/configuration.md is up to date');
} else {
  writeFileSync(target, expected);
  console.log(`wrote ${target}`);
}
