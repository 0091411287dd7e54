/**
 * One door: a bundle's source imports nothing from the core but `core/api`, and the built bundles
 * carry no core code but the RFC error classes core/api re-exports (X.509 comes at run time through
 * `ctx.services.x509`, so a core fix reaches bundles already built).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { leftovers } from '../support/leftovers.ts';
import { importSpecifiers, sourceFilesUnder } from '../support/source-imports.ts';

/** `file: specifier` for every import of a file under `<root>/plugins/*\/src` that reaches the core other than through core/api. */
function coreImportViolations(root: string): string[] {
  const core = resolve(root, 'core') + sep;
  const api = resolve(root, 'core', 'api') + sep;
  const violations: string[] = [];
  for (const bundle of readdirSync(join(root, 'plugins'))) {
    const src = join(root, 'plugins', bundle, 'src');
    let files: string[];
    try {
      files = sourceFilesUnder(src);
    } catch {
      continue;
    }
    for (const file of files) {
      for (const specifier of importSpecifiers(file)) {
        const target = specifier.startsWith('.') || specifier.startsWith('/') ? resolve(dirname(file), specifier) : null;
        const intoCore = target !== null ? target.startsWith(core) : /(^|\/)core\//.test(specifier);
        if (intoCore && !(target?.startsWith(api) ?? false)) violations.push(`${relative(root, file)}: ${specifier}`);
      }
    }
  }
  return violations;
}

const scratch = leftovers();

describe('bundles import the core only through core/api', () => {
  it('no file under plugins/*/src imports any other part of the core', () => {
    expect(coreImportViolations(PROJECT_ROOT)).toEqual([]);
  });

  it('the check catches a relative import of core/x509, a dynamic one, and a re-export', () => {
    const root = scratch.folder('tessera-door-');
    mkdirSync(join(root, 'core', 'api'), { recursive: true });
    mkdirSync(join(root, 'plugins', 'sneaky', 'src', 'deep'), { recursive: true });
    writeFileSync(
      join(root, 'plugins', 'sneaky', 'src', 'deep', 'a.ts'),
      [
        "import type { PluginContext } from '../../../../core/api/index.ts';",
        "import { readCertificateFields } from '../../../../core/x509/certificate-fields.ts';",
        "export { Tag } from '../../../../core/x509/der.ts';",
        "const store = await import('../../../../core/store/repositories.ts');",
        "import { helper } from '../b.ts';",
      ].join('\n'),
    );
    expect(coreImportViolations(root)).toEqual([
      'plugins/sneaky/src/deep/a.ts: ../../../../core/x509/certificate-fields.ts',
      'plugins/sneaky/src/deep/a.ts: ../../../../core/x509/der.ts',
      'plugins/sneaky/src/deep/a.ts: ../../../../core/store/repositories.ts',
    ]);
  });

  it('core/api itself reaches nothing of the core but the RFC error classes', () => {
    const api = join(PROJECT_ROOT, 'core', 'api');
    for (const file of sourceFilesUnder(api)) {
      for (const specifier of importSpecifiers(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier);
        expect(target.startsWith(api + sep) || target === join(PROJECT_ROOT, 'core', 'errors', 'oauth-errors.ts'), `${file}: ${specifier}`).toBe(true);
      }
    }
  });

  it('the built bundles carry no core module but the error classes and core/api helpers (dropins/ is built by the pretest step)', () => {
    const dropins = join(PROJECT_ROOT, 'dropins');
    const built = readdirSync(dropins).filter((name) => {
      try {
        return statSync(join(dropins, name, 'index.js')).isFile();
      } catch {
        return false;
      }
    });
    expect(built).toContain('mutual-tls-client-authenticator');
    for (const name of built) {
      const code = readFileSync(join(dropins, name, 'index.js'), 'utf8');
      // esbuild marks each module it copies with a `// path` comment.
      const coreModules = [...code.matchAll(/^\/\/ (core\/\S+)$/gm)].map((m) => m[1]);
      expect(coreModules.filter((m) => m !== 'core/errors/oauth-errors.ts' && !m.startsWith('core/api/')), name).toEqual([]);
    }
  });
});
