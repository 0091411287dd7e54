/**
 * Renders docs/configuration.md from the schema: a section per table, a row per key (type, default,
 * description). Generated, so the reference cannot drift from what the loader accepts;
 * `scripts/config-reference.ts --check` and a test fail when the committed file is stale.
 */
import { z } from 'zod';
import { WSO2_KEYS_WITHOUT_EFFECT, WSO2_NO_EFFECT } from './compat.ts';
import { configSchema } from './schema.ts';
import { inspectKey, typeLabel, type KeySchema } from './schema-introspection.ts';

const INTRO = `# Configuration reference

<!-- Generated from core/config/schema.ts by \`npx tsx scripts/config-reference.ts\`; do not edit. -->

Tessera reads one file, \`deployment.toml\` (TOML). Every key has a default, so an empty file runs.
Blocks written for WSO2 Identity Server can be pasted as they are.

- A wrong type, an unknown value, an out-of-range number or a missing input file stops start-up with
  \`<file>:<line>: <key>: <message>\` for every problem found.
- An unknown key is a warning with the same detail, and is ignored.
- Relative paths are resolved against the folder of \`deployment.toml\` (\`sqlite_file\` against
  \`data_dir\`).
`;

export function renderConfigReference(): string {
  const out: string[] = [INTRO];
  for (const [key, schema] of Object.entries(configSchema.shape)) renderSection(out, [key], schema as z.ZodType);
  renderWso2Keys(out);
  return `${out.join('\n').trimEnd()}\n`;
}

function renderSection(out: string[], path: string[], schema: z.ZodType, description?: string): void {
  const key = inspectKey(schema);
  const { base } = key;
  const name = path.join('.');
  const doc = description ?? key.description ?? '';
  if (base instanceof z.ZodArray) {
    renderTable(out, `[[${name}]]`, doc, base.element as z.ZodType);
  } else if (base instanceof z.ZodRecord) {
    const value = inspectKey(base.def.valueType as z.ZodType).base;
    if (value instanceof z.ZodObject) renderSection(out, [...path, '<name>'], value, doc);
    else out.push(`## \`[${name}.<name>]\``, '', doc, '', 'Free-form: the keys are not checked here.', '');
  } else if (base instanceof z.ZodObject) {
    const catchall = base.def.catchall as z.ZodType | undefined;
    // A table of named tables (grant types) only says, once, what each named table holds.
    renderTable(out, `[${name}]`, doc, base, catchall !== undefined);
    for (const [child, childSchema] of Object.entries(base.shape as Record<string, z.ZodType>)) {
      // Named instances of the catchall (built-in grants) are documented once, as `<name>`.
      if (isSection(inspectKey(childSchema)) && childSchema !== catchall) renderSection(out, [...path, child], childSchema);
    }
    if (catchall) renderSection(out, [...path, '<name>'], catchall, doc);
  }
}

function renderTable(out: string[], header: string, doc: string, schema: z.ZodType, omitIfEmpty = false): void {
  const base = inspectKey(schema).base;
  if (!(base instanceof z.ZodObject)) return;
  const rows = Object.entries(base.shape as Record<string, z.ZodType>)
    .map(([key, s]) => [key, s, inspectKey(s)] as const)
    .filter(([, , info]) => !isSection(info));
  if (rows.length === 0 && omitIfEmpty) return;
  out.push(`## \`${header}\``, '', doc, '');
  if (rows.length === 0) return;
  out.push('| Key | Type | Default | Description |', '|---|---|---|---|');
  for (const [key, s, info] of rows) {
    const cells = [`\`${key}\``, typeLabel(s), defaultCell(info), describeCell(info)];
    out.push(`| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`);
  }
  out.push('');
}

/** Tables and arrays of tables get their own section; free-form tables (`properties`) are values. */
function isSection({ base }: KeySchema): boolean {
  if (base instanceof z.ZodObject) return true;
  if (base instanceof z.ZodArray) return inspectKey(base.element as z.ZodType).base instanceof z.ZodObject;
  if (base instanceof z.ZodRecord) return !(inspectKey(base.def.valueType as z.ZodType).base instanceof z.ZodUnknown);
  return false;
}

function defaultCell(info: KeySchema): string {
  if (info.hasDefault) return `\`${tomlLiteral(info.defaultValue)}\``;
  return info.optional ? '*(unset)*' : '**required**';
}

function describeCell(info: KeySchema): string {
  const doc = info.description ?? '';
  if (!info.path) return doc;
  const from = info.path.relativeTo === 'data_dir' ? 'data_dir' : 'the config folder';
  return `${doc} Relative to ${from}.${info.path.mustExist ? ' Must exist when set.' : ''}`;
}

function tomlLiteral(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(tomlLiteral).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${k} = ${tomlLiteral(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return String(value);
}

function renderWso2Keys(out: string[]): void {
  out.push(
    '## Keys from WSO2 Identity Server',
    '',
    `These load with the warning "${WSO2_NO_EFFECT}" (\`*\` = any one key, \`**\` = anything below).`,
    '',
    '| Key | Instead |',
    '|---|---|',
    ...WSO2_KEYS_WITHOUT_EFFECT.map(({ pattern, hint }) => `| \`${pattern}\` | ${hint ?? ''} |`),
    '',
  );
}
