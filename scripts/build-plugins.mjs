#!/usr/bin/env node
/**
 * Builds every first-party bundle in plugins/<name>/ into dropins/<name>/: plugin.json, README.md and
 * one ESM file bundled by esbuild. npm packages stay external — they resolve from the host's
 * node_modules at run time, so a bundle never carries its own tsyringe (which keeps global state).
 *
 *   node scripts/build-plugins.mjs [--if-missing]   (--if-missing: skip bundles already built)
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ifMissing = process.argv.includes('--if-missing');
const pluginsDir = join(root, 'plugins');
const dropinsDir = join(root, 'dropins');

for (const name of existsSync(pluginsDir) ? readdirSync(pluginsDir).sort() : []) {
  const source = join(pluginsDir, name);
  const manifestFile = join(source, 'plugin.json');
  if (!existsSync(manifestFile)) continue;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const target = join(dropinsDir, name);
  const entry = join(target, manifest.entry ?? 'index.js');
  if (ifMissing && existsSync(entry)) continue;
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  await build({
    entryPoints: [join(source, 'src', 'index.ts')],
    outfile: entry,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  copyFileSync(manifestFile, join(target, 'plugin.json'));
  // The entry is ESM; say so in the bundle itself, so it loads from any dropins folder.
  writeFileSync(join(target, 'package.json'), '{ "type": "module" }\n');
  if (existsSync(join(source, 'README.md'))) copyFileSync(join(source, 'README.md'), join(target, 'README.md'));
  console.log(`built dropins/${name} (${manifest.name}@${manifest.version})`);
}
