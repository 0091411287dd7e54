/**
 * Reads deployment.toml into a validated `TesseraConfig`. Each stage (TOML syntax, types and values,
 * input files) collects all its errors before throwing, so one failed start shows them together as
 * `file:line: key: message`; unknown or ineffective keys are warnings with the same detail.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { applyCompatibility, wso2NoEffectMessage, type Finding } from './compat.ts';
import { ConfigError, type ConfigIssue } from './config-error.ts';
import { issueMessage } from './issue-messages.ts';
import { resolvePaths } from './paths.ts';
import { describeTomlSyntaxError } from './toml-syntax.ts';
import { schemaAt } from './schema-introspection.ts';
import { configSchema, type TesseraConfig } from './schema.ts';
import { formatKeyPath, locateKeys, type KeySegment } from './toml-locations.ts';
import { valueAt } from './toml-values.ts';
import { findUnknownKeys } from './unknown-keys.ts';

export { ConfigError, formatIssue, type ConfigIssue } from './config-error.ts';

export interface LoadedConfig {
  readonly config: TesseraConfig;
  /** Absolute path of the file read; null when the default file was absent and defaults apply. */
  readonly file: string | null;
  /** Folder relative paths were resolved against. */
  readonly dir: string;
  readonly warnings: ConfigIssue[];
  /** `deployment.toml:12` for a key path (the line of its nearest written ancestor); `''` with no file. */
  where(path: readonly KeySegment[]): string;
}

export const DEFAULT_CONFIG_FILE = 'deployment.toml';

/**
 * Loads `file` (default `./deployment.toml`). A missing default file means an all-defaults
 * configuration; a missing file that was named explicitly is an error.
 * @throws ConfigError
 */
export function loadConfig(file?: string): LoadedConfig {
  const name = file ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = readFileSync(name, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (file === undefined && code === 'ENOENT') return { ...build('', name, process.cwd()), file: null, where: () => '' };
    const reason = code === 'ENOENT' ? 'file not found' : `cannot read: ${(error as Error).message}`;
    throw new ConfigError([{ key: '', file: name, line: null, message: reason }]);
  }
  return parseConfig(text, name);
}

/**
 * Validates TOML text as if read from `file` (used in messages and to resolve relative paths).
 * @throws ConfigError
 */
export function parseConfig(text: string, file: string): LoadedConfig {
  return build(text, file, dirname(resolve(file)));
}

function build(text: string, file: string, dir: string): LoadedConfig {
  const raw = parseToml(text, file);
  const lines = locateKeys(text);
  const toIssues = (findings: readonly Finding[]): ConfigIssue[] =>
    findings
      .map(({ path, message }) => ({ key: formatKeyPath(path), file, line: lines.lineOf(path), message }))
      .sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));

  const warnings: Finding[] = findUnknownKeys(raw, configSchema).map(({ path, message }) => ({
    path,
    message: wso2NoEffectMessage(path) ?? message,
  }));

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => {
      const path = i.path.map((s) => (typeof s === 'symbol' ? String(s) : s));
      return { path, message: issueMessage(i, valueAt(raw, path), schemaAt(configSchema, path)) };
    });
    throw new ConfigError(toIssues(errors), toIssues(warnings));
  }
  const config = parsed.data;
  const missing = resolvePaths(config, dir);
  if (missing.length > 0) throw new ConfigError(toIssues(missing), toIssues(warnings));
  warnings.push(...applyCompatibility(raw, config));

  const where = (path: readonly KeySegment[]) => {
    const line = lines.lineOf(path);
    return line === null ? file : `${file}:${line}`;
  };
  return { config, file: resolve(file), dir, warnings: toIssues(warnings), where };
}

function parseToml(text: string, file: string): Record<string, unknown> {
  try {
    // 'throw': a `__proto__` key has no use in a configuration and would reach zod's records.
    return parse(text, { unsafeKeyBehaviour: 'throw' });
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.replace(/^Invalid TOML document: /, '').split('\n')[0];
      const problem = describeTomlSyntaxError(text, error.line, error.column, reason);
      throw new ConfigError([{ key: '', file, line: problem.line, message: problem.message }]);
    }
    throw new ConfigError([{ key: '', file, line: null, message: `cannot parse: ${(error as Error).message}` }]);
  }
}
