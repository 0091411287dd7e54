/**
 * The core's folders depend on each other one way only: no import cycle between folders, type-only
 * imports included. core/runtime is the composition root (it builds the services and composes the
 * HTTP app from them), so nothing in the core but the CLI imports it: an endpoint names the services
 * it uses in its own dependency interface instead of taking the whole runtime.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { leftovers } from '../support/leftovers.ts';
import { importSpecifiers, sourceFilesUnder } from '../support/source-imports.ts';

/** Folders that may import core/runtime. */
const COMPOSITION_CALLERS = new Set(['cli']);

/** `from -> to` between top-level folders of `<root>/core`, each with the first file that makes it. */
function folderEdges(root: string): Map<string, string> {
  const core = resolve(root, 'core');
  const folderOf = (path: string) => relative(core, path).split(sep)[0];
  const edges = new Map<string, string>();
  for (const file of sourceFilesUnder(core)) {
    for (const specifier of importSpecifiers(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(core + sep)) continue;
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from !== to && !edges.has(`${from} -> ${to}`)) edges.set(`${from} -> ${to}`, `${relative(root, file)}: ${specifier}`);
    }
  }
  return edges;
}

/** Every folder cycle, as `a -> b -> ... -> a` with the import behind each step (one per strongly connected group). */
function folderCycles(root: string): string[] {
  const edges = folderEdges(root);
  const next = new Map<string, string[]>();
  for (const edge of edges.keys()) {
    const [from, to] = edge.split(' -> ');
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const cycles: string[] = [];
  const reported = new Set<string>();
  for (const start of [...next.keys()].sort()) {
    // Shortest way back to `start` (breadth first), so the message names the tightest loop.
    const cameFrom = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const folder = queue.shift()!;
      for (const to of next.get(folder) ?? []) {
        if (to === start) {
          const path = [start];
          for (let at: string | undefined = folder; at !== undefined && at !== start; at = cameFrom.get(at)) path.splice(1, 0, at);
          path.push(start);
          const key = [...new Set(path)].sort().join(',');
          if (!reported.has(key)) {
            reported.add(key);
            cycles.push(path.slice(1).map((to, i) => `${path[i]} -> ${to} (${edges.get(`${path[i]} -> ${to}`)})`).join('; '));
          }
          queue.length = 0;
          break;
        }
        if (!cameFrom.has(to)) {
          cameFrom.set(to, folder);
          queue.push(to);
        }
      }
    }
  }
  return cycles;
}

/** Imports of core/runtime from any other core folder but the CLI. */
function runtimeImporters(root: string): string[] {
  return [...folderEdges(root)].filter(([edge]) => edge.endsWith(' -> runtime') && !COMPOSITION_CALLERS.has(edge.split(' -> ')[0])).map(([, where]) => where);
}

const scratch = leftovers();

describe('core folders depend on each other one way', () => {
  it('no import cycle between folders of core/', () => {
    expect(folderCycles(PROJECT_ROOT)).toEqual([]);
  });

  it('only the CLI imports core/runtime, the composition root (so core/oauth and core/http do not)', () => {
    expect(runtimeImporters(PROJECT_ROOT)).toEqual([]);
  });

  it('the checks catch a type-only cycle over three folders and an endpoint taking the runtime', () => {
    const root = scratch.folder('tessera-folders-');
    const write = (path: string, lines: string[]) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), lines.join('\n'));
    };
    write('core/oauth/token-endpoint.ts', ["import type { CoreRuntime } from '../runtime/core-runtime.ts';", "import { readForm } from '../http/form-body.ts';"]);
    write('core/http/form-body.ts', ["import type { Store } from '../store/repositories.ts';"]);
    write('core/store/repositories.ts', ["export type { Grant } from '../oauth/token-endpoint.ts';"]);
    write('core/runtime/core-runtime.ts', ["import { startServer } from './start-server.ts';"]);
    write('core/cli/main.ts', ["const { startServer } = await import('../runtime/start-server.ts');"]);
    expect(folderCycles(root)).toEqual([
      'http -> store (core/http/form-body.ts: ../store/repositories.ts); store -> oauth (core/store/repositories.ts: ../oauth/token-endpoint.ts); oauth -> http (core/oauth/token-endpoint.ts: ../http/form-body.ts)',
    ]);
    expect(runtimeImporters(root)).toEqual(['core/oauth/token-endpoint.ts: ../runtime/core-runtime.ts']);
  });
});
