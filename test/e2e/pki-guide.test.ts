/**
 * docs/guides/pki-tls-client-auth.md, run as written: `tessera certs ca` / `client`, trust_anchors,
 * the admin client and the user `user`/`user` through the admin API, `client-mtls` (tls_client_auth,
 * subject DN) created from Swagger UI in headless Chromium (Authorize with the admin client's
 * credentials, then Execute) and from curl, the authorization code flow on Tessera's sign-in and
 * consent pages in the browser, and the code exchange with `curl --cert cert.pem --key key.pem`
 * whose JWT carries cnf.x5t#S256. Screenshots: test-artifacts/e2e/pki-*.png.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../support/https-client.ts';
import { openBrowser, signInAndConsent, type E2eBrowser } from './support/browser.ts';
import { GUIDES, claimsOf, curlEnvironment, freePort, jsonOf, thumbprintOfFile, workFolder } from './support/guide-helpers.ts';
import { runGuide, stopGuideProcesses, type GuideContext, type GuideRun } from './support/guide-runner.ts';

const GUIDE = join(GUIDES, 'pki-tls-client-auth.md');
const SAMPLE_CODE = 'SplxlOBeZQQYbYS6WxSbIA';
const SUBJECT_DN = 'CN=client-mtls,O=Example,C=US';

describe('docs/guides/pki-tls-client-auth.md, run as written', () => {
  let run: GuideRun | undefined;
  let browser: E2eBrowser | undefined;
  const folder = workFolder('pki');
  let failed = true;

  afterAll(async () => {
    await closeClients();
    await browser?.close();
    await run?.stop();
    await stopGuideProcesses();
    if (!failed) folder.remove();
  });

  it('creates client-mtls from Swagger UI and curl, signs in user/user in the browser, and gets a certificate-bound token', { timeout: 180_000 }, async () => {
    const port = await freePort();
    const tessera = `https://localhost:${port}`;
    const thumbprint = (ctx: GuideContext) => thumbprintOfFile(join(ctx.cwd, 'cert.pem'));
    const admin = { basic: ['admin', 'admin'] as [string, string] };
    const openBrowserOnce = async () => (browser ??= await openBrowser());

    run = await runGuide(GUIDE, {
      root: folder.root,
      substitutions: { '9443': String(port) },
      env: curlEnvironment(),
      checks: {
        'admin-client-and-user'(ctx) {
          const [client, user] = ctx.last.stdout.split(/(?<=\})\s*(?=\{)/).map((part) => jsonOf(part));
          expect(client).toMatchObject({ client_id: 'admin-swagger', scopes: ['admin'], grant_types: ['client_credentials'] });
          expect(user).toMatchObject({ username: 'user', authorization_server_id: 'default' });
        },
        async 'swagger-create-client'(ctx) {
          const body = readFileSync(join(ctx.cwd, 'client-mtls.json'), 'utf8');
          const { page, screenshot } = await openBrowserOnce();
          await page.goto(`${tessera}/api/swagger/default`);
          await page.waitForSelector('#operations-Clients-post_api_admin__tid__clients');
          // Authorize: client credentials of admin-swagger, admin scope.
          await page.click('.auth-wrapper button.authorize');
          await page.fill('#client_id_clientCredentials', 'admin-swagger');
          await page.fill('#client_secret_clientCredentials', 'n8HF35qzZkmsukHJzzz9LnN8m9Mf97uq');
          await page.click('label[for="admin-clientCredentials-checkbox-oauth2"]');
          const token = page.waitForResponse((r) => r.url() === `${tessera}/oauth2/token`);
          await page.click('button[aria-label="Apply given OAuth2 credentials"]');
          expect((await token).status()).toBe(200);
          await page.locator('.modal-ux').getByText('Authorized', { exact: true }).waitFor();
          await page.locator('.modal-ux button.btn-done').last().click();
          // POST /api/admin/{tid}/clients: Try it out is on; tid default; the guide's body; Execute.
          const operation = page.locator('#operations-Clients-post_api_admin__tid__clients');
          await operation.locator('.opblock-summary-control').click();
          const tid = operation.locator('tr[data-param-name="tid"] input');
          if (!(await tid.inputValue())) await tid.fill('default');
          expect(await tid.inputValue()).toBe('default');
          await operation.locator('textarea.body-param__text').fill(body);
          const created = page.waitForResponse((r) => r.url() === `${tessera}/api/admin/default/clients` && r.request().method() === 'POST');
          await operation.locator('button.execute').click();
          const response = await created;
          expect(response.status()).toBe(201);
          // Swagger UI sent the admin client's bearer token, not the super admin's password.
          expect(response.request().headers().authorization).toMatch(/^Bearer /);
          await operation.locator('.live-responses-table tbody .response-col_status').first().waitFor();
          expect(await operation.locator('.live-responses-table tbody .response-col_status').first().innerText()).toContain('201');
          await screenshot('pki-swagger-created-client', operation.locator('.live-responses-table'));

          const registered = await call(`${tessera}/api/admin/default/clients/client-mtls`, admin);
          expect(registered.json).toMatchObject({ client_id: 'client-mtls', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: SUBJECT_DN, tls_client_certificate_bound_access_tokens: true });
          // The guide offers curl as the other way to the same client: make room for it.
          expect((await call(`${tessera}/api/admin/default/clients/client-mtls`, { ...admin, method: 'DELETE' })).status).toBe(204);
        },
        'curl-create-client'(ctx) {
          expect(jsonOf(ctx.last.stdout)).toMatchObject({
            client_id: 'client-mtls',
            client_name: 'My app',
            token_endpoint_auth_method: 'tls_client_auth',
            tls_client_auth_subject_dn: SUBJECT_DN,
            tls_client_certificate_bound_access_tokens: true,
            redirect_uris: [`${tessera}/callback`],
          });
        },
        async 'browser-authorize'(ctx) {
          const address = ctx.shown.trim();
          expect(address.startsWith(`${tessera}/default/default/oauth2/authorize?`)).toBe(true);
          const { page, screenshot } = await openBrowserOnce();
          await page.goto(address);
          await signInAndConsent(page, 'user', 'user', (name) => screenshot(`pki-${name}`));
          // Tessera's own /callback page, the loopback redirect URI: it shows what the redirect carried.
          await page.waitForSelector('#code');
          const landed = new URL(page.url());
          expect(`${landed.origin}${landed.pathname}`).toBe(`${tessera}/callback`);
          expect(await page.innerText('#state')).toBe('af0ifjsldkj');
          expect(await page.innerText('#iss')).toBe(tessera); // the default server's issuer is the base URL
          const code = await page.innerText('#code');
          expect(code).toBe(landed.searchParams.get('code'));
          await screenshot('pki-callback');
          ctx.substitute(SAMPLE_CODE, code);
        },
        exchange(ctx) {
          const token = jsonOf(ctx.last.stdout);
          expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid profile' });
          expect(claimsOf(token.id_token)).toMatchObject({ aud: 'client-mtls', sub: 'user' });
          expect(claimsOf(token.access_token)).toMatchObject({ client_id: 'client-mtls', username: 'user', cnf: { 'x5t#S256': thumbprint(ctx) } });
        },
        claims(ctx) {
          expect(ctx.last.stdout).toContain(`cnf: { 'x5t#S256': '${thumbprint(ctx)}' }`);
        },
        thumbprint(ctx) {
          expect(ctx.last.stdout.trim()).toBe(thumbprint(ctx));
        },
      },
    });
    failed = false;
  });
});
