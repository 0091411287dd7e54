/**
 * Writes docs/plugin-api.md from core/api (see plugin-api-docs.ts).
 *   npx tsx scripts/plugin-api-reference.ts          regenerate
 *   npx tsx scripts/plugin-api-reference.ts --check  exit 1 when the committed file is stale (CI)
 */
import { fileURLToPath } from 'node:url';
import { writeOrCheck } from './generated-doc.ts';
import { renderPluginApiReference } from './plugin-api-docs.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
writeOrCheck(fileURLToPath(new URL('../docs/plugin-api.md', import.meta.url)), renderPluginApiReference(root), 'npx tsx scripts/plugin-api-reference.ts');
