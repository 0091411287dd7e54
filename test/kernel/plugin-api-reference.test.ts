import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPONENT_KINDS, EVENT_TYPES } from '../../core/api/index.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { renderPluginApiReference } from '../../scripts/plugin-api-docs.ts';

describe('docs/plugin-api.md', () => {
  const rendered = renderPluginApiReference(PROJECT_ROOT);

  it('is up to date with core/api (regenerate: npx tsx scripts/plugin-api-reference.ts)', () => {
    expect(readFileSync(join(PROJECT_ROOT, 'docs', 'plugin-api.md'), 'utf8')).toBe(rendered);
  });

  it('lists every extension point, event type and service', () => {
    for (const kind of COMPONENT_KINDS) expect(rendered).toContain(`| \`${kind}\` |`);
    for (const type of Object.keys(EVENT_TYPES)) expect(rendered).toContain(`| \`${type}\` |`);
    for (const service of ['clients.find(', 'tokens.findRefreshToken(', 'events.emit(', '`x509: X509Service`', 'subjectAltNames(', 'dnMatchesCertificate(']) {
      expect(rendered).toContain(service);
    }
    expect(rendered).not.toMatch(/readonly container\b|SERVICE_TOKENS/);
  });
});
