/**
 * Finds the keys a document sets that the schema does not define. zod strips such keys silently;
 * the loader reports each one (with its line) so a typo never goes unnoticed.
 */
import type { z } from 'zod';
import { elementOf, tableOf } from './schema-introspection.ts';
import type { KeySegment } from './toml-locations.ts';
import { isTable } from './toml-values.ts';
import { closestName } from './closest-name.ts';

export interface UnknownKey {
  readonly path: KeySegment[];
  /** `unknown key, ignored`, naming the unknown table for keys inside one, and a likely intended key. */
  readonly message: string;
}

export function findUnknownKeys(value: unknown, schema: z.ZodType, path: KeySegment[] = []): UnknownKey[] {
  const table = tableOf(schema);
  if (table && isTable(value)) {
    return Object.entries(value).flatMap(([key, child]) => {
      const childSchema = Object.hasOwn(table.shape, key) ? table.shape[key] : table.catchall;
      if (childSchema) return findUnknownKeys(child, childSchema, [...path, key]);
      const suggestion = closestName(key, Object.keys(table.shape));
      const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
      // Key by key: a pasted foreign table is reported leaf by leaf, each with its own line.
      return leavesOf(child, [...path, key]).map((leaf) => ({
        path: leaf,
        message: leaf.length === path.length + 1 ? `unknown key, ignored${hint}` : `in unknown table "${key}", ignored${hint}`,
      }));
    });
  }
  const element = elementOf(schema);
  if (element && Array.isArray(value)) {
    return value.flatMap((item, index) => findUnknownKeys(item, element, [...path, index]));
  }
  return [];
}

function leavesOf(value: unknown, path: KeySegment[]): KeySegment[][] {
  if (isTable(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? [path] : keys.flatMap((key) => leavesOf(value[key], [...path, key]));
  }
  if (Array.isArray(value) && value.length > 0 && value.every(isTable)) {
    return value.flatMap((item, index) => leavesOf(item, [...path, index]));
  }
  return [path];
}

/** Same key ignoring case and `_`/`-`, or a few edits away (optimal string alignment distance). */
