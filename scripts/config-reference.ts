/**
 * Writes docs/configuration.md from the config schema.
 *   npx tsx scripts/config-reference.ts          regenerate
 *   npx tsx scripts/config-reference.ts --check  exit 1 when the committed file is stale (CI)
 */
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from '../core/config/config-reference.ts';
import { writeOrCheck } from './generated-doc.ts';

writeOrCheck(fileURLToPath(new URL('../docs/configuration.md', import.meta.url)), renderConfigReference(), 'npx tsx scripts/config-reference.ts');
