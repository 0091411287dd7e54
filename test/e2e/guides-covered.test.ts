/**
 * Every guide in docs/guides is run by a test of this folder (which reads it with the guide runner),
 * and every guide the README links exists: a new guide without a test, or a renamed one, fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { GUIDES } from './support/guide-helpers.ts';
import { parseGuide } from './support/guide-runner.ts';

const guides = readdirSync(GUIDES).filter((f) => f.endsWith('.md') && f !== 'README.md');
const tests = readdirSync(join(PROJECT_ROOT, 'test', 'e2e')).filter((f) => f.endsWith('.test.ts'));
const testText = tests.map((f) => readFileSync(join(PROJECT_ROOT, 'test', 'e2e', f), 'utf8'));

describe('docs/guides', () => {
  it.each(guides)('%s is run by a test and has commands to run', (guide) => {
    expect(testText.some((t) => t.includes(`join(GUIDES, '${guide}')`) && t.includes('runGuide('))).toBe(true);
    expect(parseGuide(readFileSync(join(GUIDES, guide), 'utf8')).filter((s) => s.kind === 'sh').length).toBeGreaterThan(0);
  });

  it('links only guides that exist, from the README and the guides index', () => {
    for (const file of [join(PROJECT_ROOT, 'README.md'), join(GUIDES, 'README.md')]) {
      const links = [...readFileSync(file, 'utf8').matchAll(/\]\((?:docs\/guides\/)?([\w-]+\.md)\)/g)].map((m) => m[1]).filter((l) => l !== 'configuration.md' && l !== 'README.md');
      for (const link of links) expect(guides, `${file} links ${link}`).toContain(link);
    }
    expect(readFileSync(join(GUIDES, 'README.md'), 'utf8').match(/\]\(([\w-]+\.md)\)/g)?.length).toBe(guides.length);
  });
});
