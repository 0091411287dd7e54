/**
 * The front door: `/` is a page for the person who just ran `npm start` — name, version, issuer,
 * links that work, the enabled bundles — under the same no-script CSP as the sign-in pages (the page
 * in headless Chromium: test/e2e/landing-page.test.ts). And `/callback`, the loopback
 * redirect URI of the guides, shows the code it was sent and nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let server: TestServer;
let bare: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    mount: adminRoutes,
    toml: `
[server]
playground_url = "http://localhost:18080/"

[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"
`,
  });
  bare = await startTestServer({ toml: '[server]\ncallback_page = false\n' });
});

afterAll(async () => {
  await server?.dispose();
  await bare?.dispose();
  await closeClients();
});

const hrefs = (html: string) => [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1].replace(/&#38;/g, '&'));

describe('landing page at /', () => {
  it('names the server, its version and issuer, and links discovery, Swagger UI, the console, the playground and /health', async () => {
    const res = await call(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain(`<h1>Tessera <span id="version">${VERSION}</span></h1>`);
    const issuer = (await call(`${server.url}/.well-known/openid-configuration`)).json.issuer as string;
    expect(res.text).toContain(`<dd id="issuer"><code>${issuer}</code></dd>`);
    expect(hrefs(res.text)).toEqual(['/.well-known/openid-configuration', '/api/swagger/default', '/console', 'http://localhost:18080/', '/health']);
  });

  it('lists the enabled bundles with their enabled components, and only those', async () => {
    const { text } = await call(`${server.url}/`);
    expect(text).toMatch(/<tr><td>mutual-tls-client-authenticator<\/td><td>[\d.]+<\/td><td><code>tessera\.mtls\.MutualTLSClientAuthenticator<\/code>(<br><code>[\w.]+<\/code>)*<\/td><\/tr>/);
    expect(text).not.toContain('mtls-token-binding'); // in dropins/, none of its components switched on
    const none = await call(`${bare.url}/`);
    expect(none.text).toContain('id="no-bundles"');
    expect(hrefs(none.text)).not.toContain('http://localhost:18080/'); // no playground_url: no link
  });

  it('links only what answers on this server (the console is mounted by its own layer)', async () => {
    const { text } = await call(`${server.url}/`);
    for (const href of hrefs(text).filter((h) => h.startsWith('/') && h !== '/console')) {
      expect((await call(`${server.url}${href}`)).status, href).toBe(200);
    }
  });

  it('is served with a CSP that allows no script, and carries none', async () => {
    const res = await call(`${server.url}/`);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).not.toMatch(/script-src/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(res.text).not.toMatch(/<script|\son\w+=/i);
  });
});

describe('/callback', () => {
  it('shows the code, state and issuer it was redirected with, escaped, under the no-script CSP and no-referrer', async () => {
    const res = await call(`${server.url}/callback?code=abc-123&state=<b>s</b>&iss=${encodeURIComponent(server.url)}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<code id="code">abc-123</code>');
    expect(res.text).toContain('<code id="state">&#60;b&#62;s&#60;/b&#62;</code>');
    expect(res.text).toContain(`<code id="iss">${server.url}</code>`);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(String(res.headers['content-security-policy'])).toMatch(/default-src 'none'/);
  });

  it('shows an authorization error as one', async () => {
    const res = await call(`${server.url}/callback?error=access_denied&error_description=the%20user%20said%20no&state=xyz`);
    expect(res.text).toContain('<code id="error">access_denied</code>: <span id="error-description">the user said no</span>');
    expect(res.text).not.toContain('id="code"');
  });

  it('is absent with [server] callback_page = false', async () => {
    expect((await call(`${bare.url}/callback?code=x`)).status).toBe(404);
  });
});
