/**
 * Finds bundles in `dropins/`: each folder with a `plugin.json`. A manifest that does not parse or
 * validate makes its bundle "broken" without running any of its code.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { manifestSchema, type PluginManifest } from './manifest.ts';

export type ScannedBundle =
  | { dir: string; folder: string; manifest: PluginManifest; error?: undefined }
  | { dir: string; folder: string; manifest?: undefined; error: string };

export function scanDropins(dropinsDir: string): ScannedBundle[] {
  if (!existsSync(dropinsDir)) return [];
  const bundles: ScannedBundle[] = [];
  for (const folder of readdirSync(dropinsDir).sort()) {
    const dir = join(dropinsDir, folder);
    if (!statSync(dir).isDirectory()) continue;
    const manifestFile = join(dir, 'plugin.json');
    if (!existsSync(manifestFile)) continue;
    bundles.push(readManifest(dir, folder, manifestFile));
  }
  return bundles;
}

function readManifest(dir: string, folder: string, file: string): ScannedBundle {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { dir, folder, error: `plugin.json is not valid JSON: ${(err as Error).message}` };
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { dir, folder, error: `plugin.json is invalid: ${issues}` };
  }
  return { dir, folder, manifest: parsed.data };
}
