/** Small helpers shared by the guide tests: ports, work folders, curl, JWTs, thumbprints. */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../core/runtime/start-server.ts';
import { certificateThumbprint } from '../../../core/crypto/thumbprint.ts';

// The guide's server takes the port a moment later.
export { freePort } from '../../support/free-port.ts';

export const GUIDES = join(PROJECT_ROOT, 'docs', 'guides');

/**
 * A fresh folder inside the checkout (test-artifacts/ is ignored by git), so that `npx tessera` and
 * `npm run` in the guides resolve to this checkout as they do for a reader. Removed by `done()`
 * unless the test failed.
 */
export function workFolder(name: string): { root: string; remove(): void } {
  const parent = join(PROJECT_ROOT, 'test-artifacts', 'e2e', 'runs');
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(join(parent, `${name}-`));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * Real curl when installed; otherwise (or with GUIDE_CURL_FALLBACK=1) a Node stand-in for the
 * options the guides use, first on PATH.
 */
export function curlEnvironment(): Record<string, string> {
  const fallback = { PATH: join(PROJECT_ROOT, 'test', 'e2e', 'support', 'curl-fallback') };
  if (process.env.GUIDE_CURL_FALLBACK === '1') return fallback;
  const found = spawnSync('bash', ['-c', 'command -v curl'], { encoding: 'utf8' });
  return found.status === 0 ? {} : fallback;
}

/** Puts `port = N` into a [transport.https] table that sets none (the WSO2 block must stay as pasted). */
export function httpsPortFilter(port: number) {
  return (file: string, text: string): string => {
    if (file !== 'deployment.toml') return text;
    const lines = text.split('\n');
    const header = lines.findIndex((l) => /^\s*\[transport\.https\]\s*$/.test(l));
    if (header < 0) return text;
    let end = lines.findIndex((l, i) => i > header && /^\s*\[/.test(l));
    if (end < 0) end = lines.length;
    if (lines.slice(header + 1, end).some((l) => /^\s*port\s*=/.test(l))) return text;
    lines.splice(header + 1, 0, `port = ${port}`);
    return lines.join('\n');
  };
}

/** The JSON body of curl output, with or without `-i` headers. */
export function jsonOf(output: string): Record<string, unknown> {
  const start = output.indexOf('{');
  if (start < 0) throw new Error(`no JSON in: ${output.slice(0, 500)}`);
  return JSON.parse(output.slice(start)) as Record<string, unknown>;
}

/** The status code of `curl -i` output. */
export function statusOf(output: string): number {
  const match = /^HTTP\/[\d.]+ (\d{3})/.exec(output);
  if (!match) throw new Error(`no status line in: ${output.slice(0, 200)}`);
  return Number(match[1]);
}

/** The (unverified) claims of a JWT; Tessera's own tests check signatures. */
export function claimsOf(jwt: unknown): Record<string, unknown> {
  if (typeof jwt !== 'string' || jwt.split('.').length !== 3) throw new Error(`not a JWT: ${String(jwt).slice(0, 80)}`);
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** x5t#S256 of a PEM certificate file. */
export function thumbprintOfFile(file: string): string {
  return certificateThumbprint(new Uint8Array(new X509Certificate(readFileSync(file)).raw));
}
