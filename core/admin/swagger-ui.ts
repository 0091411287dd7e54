/**
 * Swagger UI at `/api/swagger/{tid}`, served from the installed `swagger-ui-dist` package (no CDN:
 * the server may run offline), with the tenant preselected. The page's CSP allows exactly what
 * Swagger UI needs: its own scripts and styles from here (inline styles for its widgets), data: and
 * blob: images, and calls to this origin and to the token endpoint (Authorize → client credentials).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Context, Hono } from 'hono';
import { NotFound } from '../errors/oauth-errors.ts';
import { escapeHtml } from '../ui/html.ts';
import type { AdminEnv } from './admin-env.ts';
import { ID_PATTERN, RESERVED_TENANT_IDS } from './identifiers.ts';

export const SWAGGER_ASSET_BASE = '/api/swagger-ui';

const DIST_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/** Starts Swagger UI from the page's data attributes: no inline script, so the CSP needs no 'unsafe-inline' for scripts. */
const INITIALIZER = `window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-spec-url'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    tryItOutEnabled: true,
    persistAuthorization: false,
    validatorUrl: null,
    displayRequestDuration: true
  });
});
`;

export interface SwaggerOptions {
  /** Where Swagger UI's Authorize dialog posts client credentials (the default server's token endpoint). */
  tokenUrl: (c: Context<AdminEnv>) => Promise<string>;
}

function pageCsp(tokenUrl: string, pageOrigin: string): string {
  let tokenOrigin = '';
  try {
    const origin = new URL(tokenUrl).origin;
    if (origin !== pageOrigin) tokenOrigin = ` ${origin}`;
  } catch {
    tokenOrigin = '';
  }
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${tokenOrigin}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function requestOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function page(tid: string): string {
  const t = escapeHtml(tid);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tessera admin API – tenant ${t}</title>
<link rel="stylesheet" href="${SWAGGER_ASSET_BASE}/swagger-ui.css">
<link rel="icon" type="image/png" href="${SWAGGER_ASSET_BASE}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${SWAGGER_ASSET_BASE}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui" data-spec-url="/api/openapi.json?tid=${encodeURIComponent(tid)}" data-tenant="${t}"></div>
<script src="${SWAGGER_ASSET_BASE}/swagger-ui-bundle.js" charset="utf-8"></script>
<script src="${SWAGGER_ASSET_BASE}/tessera-swagger-init.js" charset="utf-8"></script>
</body>
</html>
`;
}

export function swaggerRoutes(app: Hono<AdminEnv>, options: SwaggerOptions): void {
  // Bounded by ASSETS: only names listed there are ever loaded.
  const files = new Map<string, Promise<Buffer>>();
  const load = (name: string) => {
    let file = files.get(name);
    if (!file) {
      file = readFile(join(DIST_DIR, name));
      file.catch(() => files.delete(name));
      files.set(name, file);
    }
    return file;
  };

  app.get('/api/swagger', (c) => c.redirect('/api/swagger/default', 302));

  app.get('/api/swagger/:tid', async (c) => {
    const tid = c.req.param('tid');
    if (!ID_PATTERN.test(tid) || RESERVED_TENANT_IDS.has(tid)) throw new NotFound(`no tenant "${tid}"`);
    return c.html(page(tid), 200, {
      'Content-Security-Policy': pageCsp(await options.tokenUrl(c), requestOrigin(c.req.url)),
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
  });

  app.get(`${SWAGGER_ASSET_BASE}/tessera-swagger-init.js`, (c) =>
    c.body(INITIALIZER, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' }),
  );

  app.get(`${SWAGGER_ASSET_BASE}/:file`, async (c) => {
    const name = c.req.param('file');
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) throw new NotFound(`no asset ${name}`);
    const body = await load(name);
    return c.body(new Uint8Array(body), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400', 'X-Content-Type-Options': 'nosniff' });
  });
}
