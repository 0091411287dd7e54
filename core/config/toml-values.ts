/**
 * Reading values as smol-toml returns them: tables are plain objects, dates are `Date`s, integers and
 * floats are both numbers. Used to name what a user wrote in messages ("got string \"true\"").
 */
import type { KeySegment } from './toml-locations.ts';

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The value at `path` in a parsed document, or undefined when absent. */
export function valueAt(root: unknown, path: readonly KeySegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof segment === 'number' ? !Array.isArray(current) : !isTable(current)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** `string "true"`, `integer 70000`, `float 1.5`, `boolean true`, `array`, `table`, `datetime`, in TOML spelling. */
export function describeTomlValue(value: unknown): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return `integer ${value}`;
    return `float ${Number.isNaN(value) ? 'nan' : value === Infinity ? 'inf' : value === -Infinity ? '-inf' : value}`;
  }
  if (typeof value === 'bigint') return `integer ${value}`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'datetime';
  if (isTable(value)) return 'table';
  return String(value);
}
