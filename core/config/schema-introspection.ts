/**
 * Reads the config schema as data: the unknown-key check, the path resolver and the docs generator
 * all walk it, so the schema stays the one place a key is defined.
 */
import { z } from 'zod';
import { pathKeys, type PathKeyInfo } from './schema.ts';

/** A key's schema with its default/prefault/optional wrappers peeled off, and what they carried. */
export interface KeySchema {
  readonly base: z.ZodType;
  readonly description: string | undefined;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly optional: boolean;
  readonly path: PathKeyInfo | undefined;
}

export function inspectKey(schema: z.ZodType): KeySchema {
  let current: z.ZodType = schema;
  let description: string | undefined;
  let hasDefault = false;
  let defaultValue: unknown;
  let optional = false;
  let path: PathKeyInfo | undefined;
  for (;;) {
    description ??= current.description;
    path ??= pathKeys.get(current);
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      if (!hasDefault) defaultValue = current.def.defaultValue;
      hasDefault = true;
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodOptional) {
      optional = true;
      current = current.unwrap() as z.ZodType;
    } else {
      return { base: current, description, hasDefault, defaultValue, optional, path };
    }
  }
}

/** The keys of a table schema, and the schema of keys it does not name (`catchall`), if any. */
export interface TableSchema {
  readonly shape: Readonly<Record<string, z.ZodType>>;
  readonly catchall: z.ZodType | undefined;
}

/** The table behind a key (object or record), or null when the key holds a value. */
export function tableOf(schema: z.ZodType): TableSchema | null {
  const { base } = inspectKey(schema);
  if (base instanceof z.ZodObject) {
    return { shape: base.shape as Record<string, z.ZodType>, catchall: base.def.catchall as z.ZodType | undefined };
  }
  if (base instanceof z.ZodRecord) return { shape: {}, catchall: base.def.valueType as z.ZodType };
  return null;
}

/** The element schema when the key holds an array. */
export function elementOf(schema: z.ZodType): z.ZodType | null {
  const { base } = inspectKey(schema);
  return base instanceof z.ZodArray ? (base.element as z.ZodType) : null;
}

/** The schema of the key at `path`, or null when the schema defines no such key. */
export function schemaAt(schema: z.ZodType, path: readonly (string | number)[]): z.ZodType | null {
  let current: z.ZodType | null = schema;
  for (const segment of path) {
    if (current === null) return null;
    if (typeof segment === 'number') current = elementOf(current);
    else {
      const table = tableOf(current);
      current = table ? (Object.hasOwn(table.shape, segment) ? table.shape[segment] : (table.catchall ?? null)) : null;
    }
  }
  return current;
}

/** The type of a key in TOML terms, as the docs and the error messages name it. */
export function typeLabel(schema: z.ZodType): string {
  const { base, path } = inspectKey(schema);
  if (path) return base instanceof z.ZodArray ? 'array of paths' : 'path';
  if (base instanceof z.ZodString) return 'string';
  if (base instanceof z.ZodBoolean) return 'boolean';
  if (base instanceof z.ZodEnum) return base.options.map((o) => JSON.stringify(o)).join(' | ');
  if (base instanceof z.ZodArray) {
    const element = typeLabel(base.element as z.ZodType);
    return /^\w+$/.test(element) ? `array of ${element}s` : `array of (${element})`;
  }
  if (base instanceof z.ZodObject || base instanceof z.ZodRecord) return 'table';
  if (base instanceof z.ZodNumber) {
    const name = base.isInt ? 'integer' : 'number';
    const min = base.minValue ?? -Infinity;
    const max = base.maxValue ?? Infinity;
    const lowBound = min > Number.MIN_SAFE_INTEGER;
    const highBound = max < Number.MAX_SAFE_INTEGER;
    if (lowBound && highBound) return `${name} ${min}–${max}`;
    if (lowBound) return `${name} ≥ ${min}`;
    if (highBound) return `${name} ≤ ${max}`;
    return name;
  }
  if (base instanceof z.ZodUnknown) return 'any';
  if (base instanceof z.ZodLiteral) return base.values.size === 1 ? JSON.stringify(base.value) : [...base.values].map((v) => JSON.stringify(v)).join(' | ');
  if (base instanceof z.ZodUnion) return (base.options as z.ZodType[]).map((o) => typeLabel(o)).join(' | ');
  return base.def.type;
}
