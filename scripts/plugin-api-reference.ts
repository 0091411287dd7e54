/**
 * Writes docs/plugin-api.md from core/api (see plugin-api-docs.ts).
 *   npx tsx scripts/plugin-api-reference.ts          regenerate
 *   npx tsx scripts/plugin-api-reference.ts --check  exit 1 when the committed file is stale (CI)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderPluginApiReference } from './plugin-api-docs.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = fileURLToPath(new URL('../docs/plugin-api.md', import.meta.url));
const expected = renderPluginApiReference(root);

if (process.argv.includes('--check')) {
  let current: string | null = null;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // Missing counts as stale.
  }
  if (current !== expected) {
    console.error('docs/plugin-api.md is stale: run `npx tsx scripts/plugin-api-reference.ts`');
    process.exit(1);
  }
  console.log('docs/plugin-api.md is up to date');
} else {
  writeFileSync(target, expected);
  console.log(`wrote ${target}`);
}
