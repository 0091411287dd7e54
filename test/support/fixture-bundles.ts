/**
 * Writes small plugin bundles (plugin.json + an ESM entry) into a dropins folder, for tests of the
 * plugin loader. Their code runs in the test's process, so they report through `globalThis`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureBundle {
  name: string;
  version?: string;
  apiVersion?: string;
  components: Record<string, unknown>[];
  /** The entry's JavaScript source; must export activate(ctx). */
  source: string;
  /** Write this text as plugin.json instead (broken-manifest tests). */
  rawManifest?: string;
}

export function makeDropins(bundles: FixtureBundle[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-dropins-'));
  for (const bundle of bundles) {
    const folder = join(dir, bundle.name);
    mkdirSync(folder);
    writeFileSync(
      join(folder, 'plugin.json'),
      bundle.rawManifest ??
        JSON.stringify({ name: bundle.name, version: bundle.version ?? '1.0.0', apiVersion: bundle.apiVersion ?? '^1.0.0', entry: 'index.js', components: bundle.components }),
    );
    writeFileSync(join(folder, 'index.js'), bundle.source);
    // An ESM entry needs "type": "module" in scope, wherever the dropins folder lives.
    writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
  }
  return dir;
}

/** Events seen by fixture listeners, in delivery order: `${listener}:${event.type}`. */
export function fixtureLog(): string[] {
  const g = globalThis as { __tesseraFixtureLog?: string[] };
  g.__tesseraFixtureLog ??= [];
  return g.__tesseraFixtureLog;
}

/** An EventListener bundle: each named listener appends `${name}:${type}` (and its properties) to fixtureLog(). */
export function listenerBundle(name: string, listeners: { name: string; aliases?: string[]; order?: number }[]): FixtureBundle {
  return {
    name,
    components: listeners.map((l) => ({ kind: 'EventListener', name: l.name, aliases: l.aliases ?? [], order: l.order ?? 100 })),
    source: `
export function activate(ctx) {
  for (const name of ${JSON.stringify(listeners.map((l) => l.name))}) {
    ctx.provide('EventListener', name, (deps) => ({
      onEvent(event) {
        const log = (globalThis.__tesseraFixtureLog ??= []);
        const tag = deps.properties.tag ? '[' + deps.properties.tag + ']' : '';
        log.push(name + tag + ':' + event.type);
      },
    }));
  }
}`,
  };
}
