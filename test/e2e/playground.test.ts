/**
 * docs/guides/playground.md, run as written: Tessera with the mutual-TLS bundles, a
 * self_signed_tls_client_auth client and a user through the admin API, then the playground
 * (`npm run playground`, from its config file and from flags) driven in headless Chromium — the
 * authorization code flow through Tessera's sign-in and consent pages (state and PKCE kept by the
 * playground), client credentials and password — each showing a token bound to the playground's
 * certificate, in the JWT and in introspection. Screenshots: test-artifacts/e2e/playground-*.png.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { openBrowser, signInAndConsent, type E2eBrowser } from './support/browser.ts';
import { GUIDES, curlEnvironment, freePort, jsonOf, thumbprintOfFile, workFolder } from './support/guide-helpers.ts';
import { parseGuide, runGuide, stopGuideProcesses, type GuideContext, type GuideRun } from './support/guide-runner.ts';

const GUIDE = join(GUIDES, 'playground.md');

describe('docs/guides/playground.md, run as written', () => {
  let run: GuideRun | undefined;
  let browser: E2eBrowser | undefined;
  const folder = workFolder('playground');
  let failed = true;

  afterAll(async () => {
    await browser?.close();
    await run?.stop();
    await stopGuideProcesses();
    if (!failed) folder.remove();
  });

  it('runs each grant from the browser over mutual TLS and shows the bound tokens', { timeout: 180_000 }, async () => {
    const [tesseraPort, playgroundPort, secondPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const tessera = `https://localhost:${tesseraPort}`;
    const playground = `http://localhost:${playgroundPort}`;
    const thumbprint = (ctx: GuideContext) => thumbprintOfFile(join(ctx.cwd, 'client.pem'));
    const openBrowserOnce = async () => (browser ??= await openBrowser());

    /** The results page: the access token's cnf is the playground's certificate, and introspection says so too. */
    async function expectBoundResult(page: Page, ctx: GuideContext, introspectedAs: RegExp) {
      await page.waitForSelector('#token-response');
      expect(await page.locator('#error').count(), await page.locator('#token-response').innerText()).toBe(0);
      const token = JSON.parse(await page.locator('#token-response').innerText()) as Record<string, unknown>;
      expect(token).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
      const claims = JSON.parse(await page.locator('#access-token-claims').innerText()) as Record<string, unknown>;
      expect(claims.cnf).toEqual({ 'x5t#S256': thumbprint(ctx) });
      expect(await page.locator('.cnf-check').first().innerText()).toBe("bound to the playground's certificate");
      expect(await page.locator('p.ok').first().innerText()).toMatch(/^Signature verified with Tessera's JWKS/);
      const introspection = JSON.parse(await page.locator('#introspection').innerText()) as Record<string, unknown>;
      expect(introspection).toMatchObject({ active: true, client_id: 'playground', cnf: { 'x5t#S256': thumbprint(ctx) } });
      expect(await page.locator('h2:has-text("Introspection") small').innerText()).toMatch(introspectedAs);
      return { token, claims };
    }

    run = await runGuide(GUIDE, {
      root: folder.root,
      substitutions: { '9443': String(tesseraPort), '8080': String(playgroundPort), '8081': String(secondPort) },
      env: curlEnvironment(),
      checks: {
        help(ctx) {
          expect(ctx.last.stdout).toContain('Usage: npm run playground -- [--config playground.toml] [options]');
          expect(ctx.last.stdout).toContain('--introspection-auth');
        },
        registered(ctx) {
          const [client, user] = ctx.last.stdout.split(/(?<=\})\s*(?=\{)/).map((part) => jsonOf(part));
          expect(client).toMatchObject({ client_id: 'playground', token_endpoint_auth_method: 'self_signed_tls_client_auth', tls_client_certificate_bound_access_tokens: true });
          expect(user).toMatchObject({ username: 'alice' });
        },
        'same-as-example'() {
          // The guide shows the sample file itself: they must not drift apart.
          const block = parseGuide(readFileSync(GUIDE, 'utf8')).find((s) => s.kind === 'file' && s.file === 'playground.toml');
          expect(block && 'text' in block ? block.text : '').toBe(readFileSync(join(PROJECT_ROOT, 'examples', 'playground', 'playground.toml'), 'utf8'));
        },
        async 'authorization-code'(ctx) {
          const { page, screenshot } = await openBrowserOnce();
          await page.goto(`${playground}/`);
          // The form starts from the settings.
          expect(await page.inputValue('#client_id')).toBe('playground');
          expect(await page.inputValue('#callback_url')).toBe(`${playground}/oauth2client`);
          expect(await page.inputValue('#authorize_endpoint')).toBe(`${tessera}/oauth2/authorize`);
          expect(await page.isChecked('#pkce')).toBe(true);
          await page.selectOption('#grant_type', 'authorization_code');
          await page.fill('#scope', 'openid profile');
          await screenshot('playground-form');
          const authorizeRequest = page.waitForRequest((r) => r.url().startsWith(`${tessera}/oauth2/authorize?`));
          await page.click('#run');
          const sent = new URL((await authorizeRequest).url());
          expect(sent.searchParams.get('code_challenge_method')).toBe('S256');
          expect(sent.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
          await signInAndConsent(page, 'alice', 'wonderland-2718', (name) => screenshot(`playground-${name}`));
          await page.waitForSelector('#code');
          expect(page.url()).toMatch(new RegExp(`^${playground}/oauth2client\\?code=`));
          expect(await page.innerText('#iss')).toBe(tessera);
          await screenshot('playground-code');
          await page.click('#get-tokens');
          const { token } = await expectBoundResult(page, ctx, /as admin, Basic/);
          expect(token).toMatchObject({ scope: 'openid profile', refresh_token: expect.any(String), id_token: expect.any(String) });
          expect(JSON.parse(await page.locator('#id-token-claims').innerText())).toMatchObject({ sub: 'alice', aud: 'playground', preferred_username: 'alice' });
          await screenshot('playground-tokens');
          // A callback this browser did not start is refused.
          await page.goto(`${playground}/oauth2client?code=stolen&state=forged`);
          expect(await page.innerText('#error')).toContain('state does not match');
        },
        async 'client-credentials'(ctx) {
          const { page } = await openBrowserOnce();
          await page.goto(`${playground}/`);
          await page.selectOption('#grant_type', 'client_credentials');
          await page.click('#run');
          const { claims } = await expectBoundResult(page, ctx, /as admin, Basic/);
          expect(claims).toMatchObject({ client_id: 'playground', sub: 'playground' });
        },
        async password(ctx) {
          const { page } = await openBrowserOnce();
          await page.goto(`${playground}/`);
          await page.selectOption('#grant_type', 'password');
          await page.fill('#username', 'alice');
          await page.fill('#password', 'wonderland-2718');
          await page.click('#run');
          const { claims } = await expectBoundResult(page, ctx, /as admin, Basic/);
          expect(claims).toMatchObject({ client_id: 'playground', username: 'alice' });
        },
        async flags(ctx) {
          const { page } = await openBrowserOnce();
          await page.goto(`http://localhost:${secondPort}/`);
          expect(await page.inputValue('#client_id')).toBe('playground');
          await page.selectOption('#grant_type', 'client_credentials');
          await page.click('#run');
          await expectBoundResult(page, ctx, /as the client/);
        },
      },
    });
    failed = false;
  });
});
