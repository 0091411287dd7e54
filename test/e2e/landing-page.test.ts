/**
 * The landing page in headless Chromium: rendered under its CSP without a violation (one would be a
 * console error), every link reachable with the keyboard in order. Screenshot:
 * test-artifacts/e2e/landing-page.png.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { openBrowser } from './support/browser.ts';

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ mount: adminRoutes, toml: '[server]\nplayground_url = "http://localhost:18080/"\n' });
});
afterAll(async () => {
  await server?.dispose();
});

describe('landing page at / in Chromium', () => {
  it('renders in Chromium without a CSP violation, every link reachable with the keyboard', async () => {
    const browser = await openBrowser();
    try {
      const errors: string[] = [];
      browser.page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await browser.page.goto(`${server.url}/`);
      expect(await browser.page.title()).toBe(`Tessera ${VERSION}`);
      const focused: string[] = [];
      for (let i = 0; i < 5; i++) {
        await browser.page.keyboard.press('Tab');
        focused.push(await browser.page.evaluate(() => document.activeElement?.getAttribute('href') ?? ''));
      }
      expect(focused).toEqual(['/.well-known/openid-configuration', '/api/swagger/default', '/console', 'http://localhost:18080/', '/health']);
      await browser.screenshot('landing-page');
      await browser.page.click('text=Health');
      expect(JSON.parse(await browser.page.innerText('body'))).toMatchObject({ status: 'ok' });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
