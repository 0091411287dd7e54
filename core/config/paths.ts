/**
 * Path-valued keys (marked in the schema with `pathKeys`): relative values become absolute, against
 * the config file's folder or against data_dir, so no later stage depends on the working directory;
 * input files that are set must exist, so a typo stops start-up instead of a TLS handshake.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import type { Finding } from './compat.ts';
import { configSchema, type PathKeyInfo, type TesseraConfig } from './schema.ts';
import { inspectKey, tableOf } from './schema-introspection.ts';
import { notPemProblem } from './pem-files.ts';

interface PathKey {
  readonly path: string[];
  readonly info: PathKeyInfo;
}

function* pathKeysIn(schema: z.ZodType, at: string[]): Generator<PathKey> {
  const table = tableOf(schema);
  if (!table) return;
  for (const [key, child] of Object.entries(table.shape)) {
    const info = inspectKey(child).path;
    if (info) yield { path: [...at, key], info };
    else yield* pathKeysIn(child, [...at, key]);
  }
}

const PATH_KEYS: readonly PathKey[] = [...pathKeysIn(configSchema, [])];

/** Rewrites the path keys of `config` in place; returns the errors (files that must exist and do not). */
export function resolvePaths(config: TesseraConfig, configDir: string): Finding[] {
  const errors: Finding[] = [];
  // data_dir is itself resolved against the config folder, so that pass comes first.
  for (const relativeTo of ['config_dir', 'data_dir'] as const) {
    const base = relativeTo === 'config_dir' ? configDir : config.server.data_dir;
    for (const { path, info } of PATH_KEYS.filter((k) => k.info.relativeTo === relativeTo)) {
      const parent = path.slice(0, -1).reduce<Record<string, unknown>>((t, k) => t[k] as Record<string, unknown>, config);
      const key = path[path.length - 1];
      const value = parent[key];
      // A key is one path or a list of paths (e.g. crl_files).
      const list = Array.isArray(value) ? value : [value];
      const resolved = list.map((item) => {
        if (typeof item !== 'string' || item === '') return item;
        const absolute = isAbsolute(item) ? item : resolve(base, item);
        if (info.mustExist) {
          const problem = fileProblem(absolute);
          if (problem) errors.push({ path, message: `${problem}: ${absolute}` });
          // Every input file is PEM: a keystore is refused here with the command that converts it.
          const format = problem ? null : notPemProblem(absolute, key === 'key_file' ? 'key' : 'certificates');
          if (format) errors.push({ path, message: format });
        }
        return absolute;
      });
      parent[key] = Array.isArray(value) ? resolved : resolved[0];
    }
  }
  return errors;
}

function fileProblem(file: string): string | null {
  try {
    return statSync(file).isFile() ? null : 'not a file';
  } catch {
    return 'file not found';
  }
}
