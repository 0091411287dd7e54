import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ZodUnknown, type z } from 'zod';
import { renderConfigReference } from '../../core/config/config-reference.ts';
import { configSchema } from '../../core/config/schema.ts';
import { elementOf, inspectKey, tableOf } from '../../core/config/schema-introspection.ts';

interface SchemaKey {
  readonly key: string;
  readonly info: ReturnType<typeof inspectKey>;
  /** Stands for any name (`<name>`): grant types, plugin settings, free-form properties. */
  readonly anyName: boolean;
}

/** Every key of the schema, tables included, as the docs generator sees them. */
function* keysOf(schema: z.ZodType, at: string): Generator<SchemaKey> {
  const table = tableOf(schema);
  if (table) {
    for (const [key, child] of Object.entries(table.shape)) {
      yield { key: `${at}${key}`, info: inspectKey(child), anyName: false };
      yield* keysOf(child, `${at}${key}.`);
    }
    if (table.catchall) {
      yield { key: `${at}<name>`, info: inspectKey(table.catchall), anyName: true };
      yield* keysOf(table.catchall, `${at}<name>.`);
    }
  }
  const element = elementOf(schema);
  if (element) yield* keysOf(element, `${at.slice(0, -1)}[].`);
}

describe('docs/configuration.md', () => {
  it('is up to date with the schema (regenerate: npx tsx scripts/config-reference.ts)', () => {
    const committed = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(renderConfigReference()).toBe(committed);
  });

  it('every key has a description, and a default unless it is explicitly required or optional', () => {
    const keys = [...keysOf(configSchema, '')];
    expect(keys.length).toBeGreaterThan(60);
    // Values of free-form tables (plugin settings, properties) are the only keys without a doc.
    const undocumented = keys.filter(({ info }) => !info.description?.trim() && !(info.base instanceof ZodUnknown));
    expect(undocumented.map(({ key }) => key)).toEqual([]);
    const withoutDefault = keys.filter(({ info, anyName }) => !anyName && !info.hasDefault && !info.optional);
    expect(withoutDefault.map(({ key }) => key)).toEqual(['event_listener[].name']);
  });
});
