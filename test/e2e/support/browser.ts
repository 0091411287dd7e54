/**
 * Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core
 * (no browser download), a new empty profile per test file, the self-signed HTTPS certificates of
 * the test servers accepted (curl -k for a browser). Screenshots go to test-artifacts/e2e/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../../core/runtime/start-server.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts', 'e2e');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface E2eBrowser {
  context: BrowserContext;
  page: Page;
  /** Saves a PNG of the page (or of one element) as ARTIFACTS/NAME.png; returns its path. */
  screenshot(name: string, target?: Page | Locator): Promise<string>;
  close(): Promise<void>;
}

/** `artifacts`: where screenshots go (default test-artifacts/e2e/). */
export async function openBrowser(options: { artifacts?: string } = {}): Promise<E2eBrowser> {
  const artifacts = options.artifacts ?? ARTIFACTS;
  const profile = mkdtempSync(join(tmpdir(), 'tessera-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    ignoreHTTPSErrors: true,
    viewport: { width: 1100, height: 800 },
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async screenshot(name, target = page) {
      mkdirSync(artifacts, { recursive: true });
      const file = join(artifacts, `${name}.png`);
      if ('goto' in target) await target.screenshot({ path: file, fullPage: true });
      else await target.screenshot({ path: file });
      return file;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in on Tessera's login page, then allows on its consent page; `shoot` captures each page. */
export async function signInAndConsent(page: Page, username: string, password: string, shoot?: (name: string) => Promise<unknown>): Promise<void> {
  await page.waitForSelector('#sign-in');
  await page.fill('#username', username);
  await page.fill('#password', password);
  if (shoot) await shoot('login');
  await page.click('#sign-in');
  await page.waitForSelector('#approve, p.error');
  const refused = page.locator('p.error');
  if (await refused.count()) throw new Error(`sign-in refused: ${await refused.first().textContent()}`);
  if (shoot) await shoot('consent');
  await page.click('#approve');
}
