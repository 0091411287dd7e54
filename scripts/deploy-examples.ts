/**
 * Writes docs/deploy/nginx.conf, node-a.toml and node-b.toml from test/support/cluster-config.ts —
 * the renderer the load-balancer test runs nginx and the nodes with.
 *   npx tsx scripts/deploy-examples.ts          regenerate
 *   npx tsx scripts/deploy-examples.ts --check  exit 1 when a committed file is stale (CI)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deployExamples } from '../test/support/cluster-config.ts';

const dir = fileURLToPath(new URL('../docs/deploy/', import.meta.url));
const stale: string[] = [];
for (const [name, expected] of Object.entries(deployExamples())) {
  const target = `${dir}${name}`;
  if (process.argv.includes('--check')) {
    let current: string | null = null;
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // Missing counts as stale.
    }
    if (current !== expected) stale.push(`docs/deploy/${name}`);
  } else {
    writeFileSync(target, expected);
    console.log(`wrote ${target}`);
  }
}
if (stale.length > 0) {
  console.error(`stale: ${stale.join(', ')}: run \`npx tsx scripts/deploy-examples.ts\``);
  process.exit(1);
}
