/** The version of this checkout: package.json's, read once (the landing page and `tessera --version`). */
import { readFileSync } from 'node:fs';

export const TESSERA_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
