/**
 * The admin console (`/console`) in headless Chromium against the real server over HTTPS, with the
 * mutual-TLS bundle on: sign in as the super admin (a wrong password first), each page, a
 * tls_client_auth client registered from a certificate generated here (the DN, SANs and x5t#S256 the
 * console shows are the certificate's, and the registered client then gets a token bound to it),
 * a user and its password, a key rotation, the audit trail of all of it (paged). Every page is
 * keyboard-reachable, every control labelled, and the page reports no CSP violation or console
 * error. Screenshots: test-artifacts/console/*.png.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { openBrowser, type E2eBrowser } from '../e2e/support/browser.ts';
import { call, closeClients } from '../support/https-client.ts';
import { createCa, createLeaf, thumbprintOf, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts', 'console');
const SUBJECT = 'CN=payments-client,O=Example Corp,C=DE';
const SANS = { dns: ['payments.example.com'], uri: ['spiffe://example.org/payments'], ip: ['192.0.2.10', '2001:db8::1'], email: ['ops@example.com'] };

describe('admin console in Chromium', () => {
  let server: TestServer;
  let browser: E2eBrowser;
  let page: Page;
  let ca: Issued;
  let leaf: Issued;
  /** Console errors, page errors and CSP violations seen by the page, whatever the test did. */
  const problems: string[] = [];
  /** The confirmations the page asked for. */
  const dialogs: string[] = [];

  beforeAll(async () => {
    ca = await createCa({ subject: 'CN=Console Test CA' });
    leaf = await createLeaf({ issuer: ca, subject: SUBJECT, san: SANS });
    server = await startTestServer({
      mount: adminRoutes,
      files: { 'anchors.pem': ca.certPem },
      toml: `
[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[[event_listener]]
name = "tessera.mtls.introspection.CertificateBindingDataProvider"

[oauth.grant_type.client_credentials]
grant_handler = "tessera.mtls.binding.ClientCredentialsGrantHandler"

[oauth.mutualtls]
trust_anchors = "anchors.pem"
`,
    });
    browser = await openBrowser({ artifacts: ARTIFACTS });
    page = browser.page;
    // The page cannot run script of its own in an init script (CSP), but the browser reports violations as events.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
  });

  afterAll(async () => {
    await browser?.close();
    await closeClients();
    await server?.dispose();
  });

  const shoot = (name: string) => browser.screenshot(name);

  /** Every form control on the page that is shown has a label (or an aria-label). */
  async function unlabelledControls(): Promise<string[]> {
    return page.evaluate(() =>
      Array.from(document.querySelectorAll('input, select, textarea'))
        .filter((c) => (c as HTMLElement).offsetParent !== null && (c as HTMLInputElement).type !== 'hidden')
        .filter((c) => ((c as HTMLInputElement).labels?.length ?? 0) === 0 && !c.getAttribute('aria-label'))
        .map((c) => c.id || c.outerHTML),
    );
  }

  /** Moves to a page with the keyboard: focus its link in the navigation, press Enter. */
  async function openWithKeyboard(name: string, heading: string) {
    await page.focus(`.sidenav a[data-page="${name}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#page-${name}:not([hidden])`);
    // Focus moves to the new page's heading.
    await page.waitForFunction((text) => document.activeElement?.tagName === 'H1' && document.activeElement.textContent === text, heading);
    expect(await page.getAttribute(`.sidenav a[data-page="${name}"]`, 'aria-current')).toBe('page');
    expect(await unlabelledControls()).toEqual([]);
  }

  it('serves the page with a strict CSP and no inline script or style', async () => {
    const res = await call(`${server.url}/console`);
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.text).not.toMatch(/<style|\sstyle=/);
    expect((await call(`${server.url}/console/console.js`)).headers['content-type']).toMatch(/^text\/javascript/);
    expect((await call(`${server.url}/console/../package.json`)).status).toBe(404);
    expect((await call(`${server.url}/console/package.json`)).status).toBe(404);
    const slash = await call(`${server.url}/console/`);
    expect([slash.status, slash.headers.location]).toEqual([302, '/console']);
  });

  it('refuses a wrong password, then signs in the super admin with the keyboard', async () => {
    await page.goto(`${server.url}/console`);
    await page.waitForSelector('#signin-username');
    expect(await unlabelledControls()).toEqual([]);
    // Focus starts in the username field; the whole form works from the keyboard.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('signin-username');
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type('wrong-password');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#signin-error:not([hidden])');
    expect(await page.textContent('#signin-error')).toContain('invalid admin credentials');
    await shoot('sign-in-refused');

    await page.fill('#signin-password', 'admin');
    await shoot('sign-in');
    await page.press('#signin-password', 'Enter');
    await page.waitForSelector('#page-servers:not([hidden])');
    expect(await page.textContent('#whoami')).toBe('Signed in as admin');
    // The password does not linger in the form.
    expect(await page.inputValue('#signin-password')).toBe('');
  });

  it('shows tenants and servers, and creates a server in a new tenant', async () => {
    await page.waitForSelector('#servers-table tbody tr th');
    expect(await page.textContent('#tenants-table tbody')).toContain('default');
    await page.fill('#server-tenant', 'acme');
    await page.fill('#server-id', 'payments');
    await page.fill('#server-name', 'Acme payments');
    await page.selectOption('#server-format', 'jwt');
    await page.click('#server-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Server acme/payments created.');
    expect(await page.inputValue('#tenant')).toBe('acme');
    const row = page.locator('#servers-table tbody tr', { hasText: 'payments' });
    expect(await row.textContent()).toContain('Acme payments');
    expect(await row.textContent()).toContain('jwt');
    expect(await page.textContent('#tenants-table tbody')).toContain('acme');
    // Created through the admin API: it is there for any other caller too.
    const servers = await call(`${server.url}/api/admin/acme/servers`, { basic: ['admin', 'admin'] });
    expect(servers.json.servers.map((s: { id: string }) => s.id)).toEqual(['payments']);
    await shoot('server-created');
    // Deleting asks first (the dialog is accepted here), then the server is gone for every caller.
    await page.click('button[aria-label="Delete server payments"]');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Server payments deleted.');
    expect(dialogs.at(-1)).toMatch(/^Delete server acme\/payments with its clients, users, tokens and keys\?$/);
    expect((await call(`${server.url}/api/admin/acme/servers/payments`, { basic: ['admin', 'admin'] })).status).toBe(404);
    expect(await page.locator('#servers-table tbody tr', { hasText: 'payments' }).count()).toBe(0);
    // Back to the default tenant for the rest.
    await page.selectOption('#tenant', 'default');
    await page.waitForFunction(() => document.querySelector('#servers-table tbody')?.textContent?.includes('default'));
    await shoot('tenants-and-servers');
  });

  it('registers a tls_client_auth client from a pasted certificate, proposing its DN and SANs with its x5t#S256', async () => {
    await openWithKeyboard('clients', 'Clients');
    await page.fill('#client-id', 'payments-client');
    await page.fill('#client-name', 'Payments');
    await page.selectOption('#client-method', 'tls_client_auth');
    await page.fill('#client-certificate', leaf.certPem);
    await page.click('#read-certificate');
    await page.waitForSelector('#certificate-details:not([hidden])');

    expect(await page.textContent('#cert-subject')).toBe('CN=payments-client,O=Example Corp,C=DE');
    expect(await page.textContent('#cert-issuer')).toBe('CN=Console Test CA');
    expect(await page.textContent('#cert-x5t')).toBe(thumbprintOf(leaf.der));
    const sans = await page.innerText('#cert-sans');
    for (const value of [...SANS.dns, ...SANS.uri, ...SANS.ip, ...SANS.email]) expect(sans).toContain(value);
    // The proposals: the subject DN first (preselected), then each SAN.
    const options = await page.locator('#identity-options input[type=radio]').evaluateAll((inputs) =>
      inputs.map((i) => ({ field: (i as HTMLInputElement).dataset.field, value: (i as HTMLInputElement).dataset.value, checked: (i as HTMLInputElement).checked })),
    );
    expect(options).toEqual([
      { field: 'tls_client_auth_subject_dn', value: SUBJECT, checked: true },
      { field: 'tls_client_auth_san_dns', value: 'payments.example.com', checked: false },
      { field: 'tls_client_auth_san_uri', value: 'spiffe://example.org/payments', checked: false },
      { field: 'tls_client_auth_san_ip', value: '192.0.2.10', checked: false },
      { field: 'tls_client_auth_san_ip', value: '2001:db8::1', checked: false },
      { field: 'tls_client_auth_san_email', value: 'ops@example.com', checked: false },
    ]);
    expect(await unlabelledControls()).toEqual([]);
    await shoot('client-certificate-read');

    // Choose the DNS SAN with the keyboard (arrow keys move within a radio group).
    await page.focus('#identity-options input[value="0"]');
    await page.keyboard.press('ArrowDown');
    await page.click('#client-form button[type=submit]');
    await page.waitForSelector('#client-result:not([hidden])');
    expect(await page.textContent('#result-client-id')).toBe('payments-client');
    expect(await page.textContent('#result-identity')).toBe('san_dns: payments.example.com');
    expect(await page.textContent('#result-secret')).toMatch(/^none/);
    const row = page.locator('#clients-table tbody tr', { hasText: 'payments-client' });
    expect(await row.textContent()).toContain('tls_client_auth');
    await shoot('clients');

    // What the console registered is what the admin API holds, and it works: the certificate
    // authenticates the client and the token is bound to the x5t#S256 the console showed.
    const registered = await call(`${server.url}/api/admin/default/clients/payments-client`, { basic: ['admin', 'admin'] });
    expect(registered.json).toMatchObject({ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'payments.example.com', tls_client_certificate_bound_access_tokens: true });
    const token = await call(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: 'payments-client' }, cert: leaf.certPem, key: leaf.keyPem });
    expect(token.status, token.text).toBe(200);
    const introspection = await call(`${server.url}/oauth2/introspect`, { form: { token: token.json.access_token, client_id: 'payments-client' }, cert: leaf.certPem, key: leaf.keyPem });
    expect(introspection.json).toMatchObject({ active: true, cnf: { 'x5t#S256': thumbprintOf(leaf.der) } });
  });

  it('reads an uploaded PEM file the same way, and says what is wrong with one that is not a certificate', async () => {
    await page.fill('#client-certificate', '');
    await page.setInputFiles('#client-certificate-file', { name: 'client.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(leaf.certPem) });
    await page.waitForFunction((x5t) => document.querySelector('#cert-x5t')?.textContent === x5t && !(document.querySelector('#certificate-details') as HTMLElement | null)?.hidden, thumbprintOf(leaf.der));
    expect(await page.inputValue('#client-certificate')).toBe(leaf.certPem);

    await page.fill('#client-certificate', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    await page.click('#read-certificate');
    await page.waitForSelector('#client-form .error:not([hidden])');
    expect(await page.textContent('#client-form .error')).toContain('does not parse as an X.509 certificate');
    expect(await page.isHidden('#certificate-details')).toBe(true);
    // An identity read from an earlier PEM is not registered for edited text: it must be read again.
    await page.fill('#client-id', 'not-registered');
    await page.click('#client-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#client-form .error')?.textContent?.startsWith('Read the certificate'));
    expect((await call(`${server.url}/api/admin/default/clients/not-registered`, { basic: ['admin', 'admin'] })).status).toBe(404);
  });

  it('creates a user', async () => {
    await openWithKeyboard('users', 'Users');
    await page.fill('#user-username', 'alice');
    await page.fill('#user-password', 'correct horse battery staple');
    await page.fill('#user-claims', '{"email": "alice@example.com"}');
    await page.click('#user-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'User alice created on default.');
    const row = page.locator('#users-table tbody tr', { hasText: 'alice' });
    expect(await row.textContent()).toContain('alice@example.com');
    // The super admin is listed, and not deletable here.
    expect(await page.locator('#users-table tbody tr', { hasText: 'super admin' }).textContent()).toContain('deployment.toml');
    // A new password set from the console is the one that signs in; the old one no longer does.
    await page.selectOption('#password-user', { label: 'alice (default)' });
    await page.fill('#password-new', 'a brand new passphrase');
    await page.click('#password-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Password of alice set.');
    expect((await server.runtime.users.login(DEFAULT_SERVER, 'alice', 'a brand new passphrase', '127.0.0.1')).ok).toBe(true);
    expect((await server.runtime.users.login(DEFAULT_SERVER, 'alice', 'correct horse battery staple', '127.0.0.1')).ok).toBe(false);
    // The super admin's password is deployment.toml's: not offered.
    expect(await page.locator('#password-user option', { hasText: 'admin' }).count()).toBe(0);
    await shoot('users');
    // A refused request is shown next to its form.
    await page.fill('#user-username', 'alice');
    await page.fill('#user-password', 'another password');
    await page.click('#user-form button[type=submit]');
    await page.waitForSelector('#user-form .error:not([hidden])');
    expect(await page.textContent('#user-form .error')).toContain('username "alice" is taken');
  });

  it('rotates the signing keys: the new ones sign, the old ones stay published', async () => {
    await openWithKeyboard('keys', 'Signing keys');
    await page.waitForSelector('#keys-table tbody tr th');
    const signingBefore = await page.locator('#keys-table tbody tr', { hasText: 'signing' }).locator('th').allTextContents();
    expect(signingBefore).toHaveLength(2);
    // With the keyboard: the button is reachable and Enter presses it.
    await page.focus('#rotate-keys');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Keys of default rotated'));
    const kids = (await page.textContent('#status'))!.replace(/^.*now signing with /, '').replace(/\.$/, '').split(', ');
    const signingAfter = await page.locator('#keys-table tbody tr', { hasText: 'signing' }).locator('th').allTextContents();
    expect(signingAfter.sort()).toEqual([...kids].sort());
    for (const old of signingBefore) {
      expect(await page.locator('#keys-table tbody tr', { hasText: old }).textContent()).toContain('still in the JWKS for verification');
    }
    // The console shows what the server publishes.
    const jwks = await call(`${server.url}/oauth2/jwks`);
    const published = jwks.json.keys.map((k: { kid: string }) => k.kid);
    expect(published).toEqual(expect.arrayContaining([...kids, ...signingBefore]));
    await shoot('signing-keys');
  });

  it('shows the audit trail: the failed sign-in, the client, the user and the rotation, newest first', async () => {
    await openWithKeyboard('audit', 'Audit trail');
    await page.waitForSelector('#audit-table tbody tr td.mono');
    const rows = await page.locator('#audit-table tbody tr').allInnerTexts();
    const text = rows.join('\n');
    expect(text).toMatch(/user\.login\.failed/);
    expect(text).toMatch(/client payments-client created/);
    expect(text).toMatch(/user alice created/);
    expect(text).toMatch(/signing_keys default rotated/);
    expect(text).toMatch(/token\.issued/);
    // Newest first: the rotation came after the client's registration.
    expect(text.indexOf('signing_keys default rotated')).toBeLessThan(text.indexOf('client payments-client created'));
    await shoot('audit-trail');

    await page.selectOption('#audit-type', 'admin.changed');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#audit-table tbody tr td:nth-child(2)')).every((td) => td.textContent === 'admin.changed'));
    expect(await page.locator('#audit-table tbody tr').count()).toBeGreaterThanOrEqual(3);
    expect(await page.isHidden('#audit-older')).toBe(true);
  });

  it('pages through a longer trail with "Older events"', async () => {
    // 60 more admin changes (public clients: no secret to hash), made through the API by someone else.
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        call(`${server.url}/api/admin/default/clients`, {
          basic: ['admin', 'admin'],
          json: { client_id: `bulk-${i}`, token_endpoint_auth_method: 'none', redirect_uris: ['http://localhost/cb'] },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(60).fill(201));
    const total = (await call(`${server.url}/api/admin/default/events?type=admin.changed&limit=200`, { basic: ['admin', 'admin'] })).json.events.length;
    await page.click('#audit-refresh');
    await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length === 50);
    expect(await page.isVisible('#audit-older')).toBe(true);
    await page.click('#audit-older');
    await page.waitForFunction((n) => document.querySelectorAll('#audit-table tbody tr').length === n, total);
    expect(await page.isHidden('#audit-older')).toBe(true);
    // Each event once, newest first across the pages.
    const cells = await page.locator('#audit-table tbody tr td:nth-child(6)').allTextContents();
    expect(new Set(cells).size).toBe(cells.length);
    expect(cells[0]).toMatch(/^client bulk-\d+ created$/);
    expect(cells.at(-1)).toMatch(/^(server|client|user|signing_keys) /);
  });

  it('signs out, forgetting the credential', async () => {
    await page.click('#signout');
    await page.waitForSelector('#signin:not([hidden])');
    expect(await page.isHidden('#app')).toBe(true);
    // What was shown is gone from the page, not just hidden.
    expect(await page.evaluate(() => document.querySelector('#app')?.textContent)).not.toMatch(/payments-client|alice|invalid admin credentials/);
    // Signing in again (no reload) brings back a working page: the fixed choices are still there.
    await page.fill('#signin-username', 'admin');
    await page.fill('#signin-password', 'admin');
    await page.press('#signin-password', 'Enter');
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForFunction(() => (document.querySelector('#server-format') as HTMLSelectElement).options.length === 3);
    expect(await page.locator('#client-method option').count()).toBe(6);
    await page.click('#signout');
    await page.waitForSelector('#signin:not([hidden])');
    // Nothing was persisted: a reload asks for sign-in again.
    await page.reload();
    await page.waitForSelector('#signin:not([hidden])');
    expect(await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie])).toEqual([0, 0, '']);
  });

  it('saw no CSP violation, script error or console warning', () => {
    // The only console error allowed is Chromium's own line for the refused sign-in (a 401 response).
    const unexpected = problems.filter((p) => !/Failed to load resource: the server responded with a status of (401|400|409)/.test(p));
    expect(unexpected).toEqual([]);
  });

  it('would have seen one: an inline style is blocked and reported, an HTML string sink refused', async () => {
    const before = problems.length;
    await page.evaluate(() => {
      const style = document.createElement('style');
      style.textContent = 'body { background: red }';
      document.head.append(style);
    });
    await expect.poll(() => problems.slice(before).join('\n')).toMatch(/CSP violation: style-src/);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe('rgb(255, 0, 0)');
    // Trusted Types: assigning markup to innerHTML throws instead of parsing it.
    expect(await page.evaluate(() => {
      try {
        document.body.innerHTML = '<b>x</b>';
        return 'parsed';
      } catch (err) {
        return (err as Error).name;
      }
    })).toBe('TypeError');
  });
});
