/**
 * Secrets an attacker presents are compared in constant time. Not measured (a timing test on a
 * shared machine would be flaky): checked structurally. Each verifier — client secrets, user
 * passwords, PKCE verifiers, CSRF tokens and flow ids of the sign-in pages — is shown to decide
 * through crypto.timingSafeEqual, and no source file compares a secret-named value with === / !==.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { constantTimeEqual } from '../../core/crypto/constant-time.ts';
import { hashClientSecret, verifyClientSecret } from '../../core/crypto/secret-hash.ts';
import { pkceMatches } from '../../core/oauth/grants/pkce.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { hashPassword, verifyPassword } from '../../core/users/password-hash.ts';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  const spy = vi.fn(actual.timingSafeEqual);
  return { ...actual, default: { ...actual, timingSafeEqual: spy }, timingSafeEqual: spy };
});

// Counted through mock.calls: expect(spy) matchers would call into the mocked module themselves.
const spy = vi.mocked(timingSafeEqual);

describe('constant-time comparison of secrets', () => {
  beforeEach(() => {
    spy.mockClear();
  });

  it('client secrets: decided by timingSafeEqual, right or wrong', () => {
    const stored = hashClientSecret('client-secret-0123456789abcdef');
    expect(verifyClientSecret('client-secret-0123456789abcdef', stored)).toBe(true);
    expect(verifyClientSecret('client-secret-0123456789abcdeX', stored)).toBe(false);
    expect(spy.mock.calls.length).toBe(2);
  });

  it('user passwords: decided by timingSafeEqual, right or wrong', async () => {
    const stored = await hashPassword('user-Passw0rd');
    expect(await verifyPassword('user-Passw0rd', stored)).toBe(true);
    expect(await verifyPassword('user-Passw0rX', stored)).toBe(false);
    expect(spy.mock.calls.length).toBe(2);
  });

  it('PKCE verifiers: decided by timingSafeEqual', () => {
    const verifier = 'v'.repeat(43);
    const challenge = 'zNkzrzGe6RUfPEVgbKkJRXLrb4pCiY1eSpgXDOLTjXw';
    pkceMatches(verifier, challenge, 'S256');
    pkceMatches(`${verifier}x`, challenge, 'S256');
    expect(spy.mock.calls.length).toBe(2);
  });

  it('CSRF tokens and flow ids: constantTimeEqual, whatever the lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abd', 'abc')).toBe(false);
    expect(constantTimeEqual('a-much-longer-value', 'abc')).toBe(false);
    expect(constantTimeEqual(undefined, 'abc')).toBe(false);
    expect(spy.mock.calls.length).toBe(3);
    const routes = readFileSync(join(PROJECT_ROOT, 'core/oauth/authorize/authorize-routes.ts'), 'utf8');
    expect(routes).toMatch(/constantTimeEqual\(form\.csrf_token, pending\.csrf\)/);
    expect(routes).toMatch(/constantTimeEqual\(getCookie\(/);
  });

  it('no source compares a secret-named value with === or !== (other than against null, undefined or a literal)', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk(join(PROJECT_ROOT, 'core'));
    for (const plugin of readdirSync(join(PROJECT_ROOT, 'plugins'))) {
      const src = join(PROJECT_ROOT, 'plugins', plugin, 'src');
      if (statSync(join(PROJECT_ROOT, 'plugins', plugin)).isDirectory() && readdirSync(join(PROJECT_ROOT, 'plugins', plugin)).includes('src')) walk(src);
    }
    const secretName = String.raw`(?<!['"\w])[\w.$\]\[]*(?:secret|password|passwd|csrf|verifier|privateKey|private_jwk|requestId)\w*(?!['"])`;
    const trivial = String.raw`(?:null|undefined|true|false|'[^']*'|"[^"]*"|\d+|typeof\b.*)`;
    const comparison = new RegExp(String.raw`(${secretName})\s*[!=]==\s*([^\s;),&|?:]+)|([^\s(,&|!=]+)\s*[!=]==\s*(${secretName})`, 'gi');
    const offenders: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(\/\/|\*)/.test(line)) return;
          for (const m of line.matchAll(comparison)) {
            const other = m[2] ?? m[3];
            if (new RegExp(`^${trivial}$`).test(other)) continue;
            // Comparisons of names or kinds, not of the secret values themselves.
            if (/\.(length|name|kind|type|status)$/.test(m[1] ?? m[4]) || /method|scheme|reason/i.test(other)) continue;
            offenders.push(`${relative(PROJECT_ROOT, file)}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    expect(offenders).toEqual([]);
  });
});
