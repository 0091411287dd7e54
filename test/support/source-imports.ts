/** What the import-rule tests read: the source files under a folder, and the modules each one names. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Static and dynamic imports, re-exports (`export … from`) and require() calls. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

/** Every .ts/.js (also .mjs, .mts, .tsx) file below `dir`. */
export function sourceFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFilesUnder(path) : /\.(m?[jt]s|tsx?)$/.test(name) ? [path] : [];
  });
}

/** The module specifiers `file` names, in order. */
export function importSpecifiers(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].map(([, specifier]) => specifier);
}
