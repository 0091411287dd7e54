/**
 * Pages for a person with a browser, outside any OAuth flow: the landing page at `/` and the
 * `/callback` page the guides register as a loopback redirect URI.
 */
import type { Hono } from 'hono';
import type { TesseraConfig } from '../config/schema.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import type { ServerDirectory } from '../servers/server-directory.ts';
import { DEFAULT_SERVER } from '../servers/server-context.ts';
import { TESSERA_VERSION } from './version.ts';
import { callbackPage } from '../ui/callback-page.ts';
import { PAGE_HEADERS } from '../ui/html.ts';
import { landingPage, type LandingBundle, type LandingLink } from '../ui/landing-page.ts';

/** What the pages show: the settings that add links and /callback, and the default server's issuer. */
export interface FrontPageDependencies {
  readonly config: TesseraConfig;
  readonly servers: ServerDirectory;
}

/** A query value as received, bounded: the page shows it, and nothing longer is a real code or state. */
const MAX_SHOWN = 2048;

export function frontPages(app: Hono<TesseraEnv>, runtime: FrontPageDependencies, bundles: readonly LandingBundle[]): void {
  const { config } = runtime;
  app.get('/', async (c) => {
    const server = await runtime.servers.resolve(DEFAULT_SERVER);
    const links: LandingLink[] = [
      { href: '/.well-known/openid-configuration', label: 'OpenID Connect discovery', what: 'endpoints, algorithms and features of the default authorization server' },
      { href: '/api/swagger/default', label: 'Swagger UI', what: 'the admin API: clients, servers, users (super admin)' },
      { href: '/console', label: 'Admin console', what: 'tenants, servers, clients, users, keys and the audit trail (super admin)' },
    ];
    if (config.server.playground_url) {
      links.push({ href: config.server.playground_url, label: 'Playground', what: 'the sample client: every grant over mutual TLS' });
    }
    links.push({ href: '/health', label: 'Health', what: 'readiness and the store’s status' });
    const html = landingPage({ version: TESSERA_VERSION, issuer: server?.issuer ?? '', links, bundles });
    return c.html(html, 200, { ...PAGE_HEADERS, 'Cache-Control': 'no-cache' });
  });

  // Browsers ask for it on every page: an empty answer, not a logged 404.
  app.get('/favicon.ico', (c) => c.body(null, 204, { 'Cache-Control': 'public, max-age=86400' }));

  if (config.server.callback_page) {
    app.get('/callback', (c) => {
      const query = (name: string) => {
        const value = c.req.query(name);
        return value === undefined ? undefined : value.slice(0, MAX_SHOWN);
      };
      const html = callbackPage({ code: query('code'), state: query('state'), iss: query('iss'), error: query('error'), errorDescription: query('error_description') });
      return c.html(html, 200, PAGE_HEADERS);
    });
  }
}
