/**
 * The admin console at `/console`: one static HTML page, one JS module and one stylesheet from
 * core/console/assets/. It holds no data and no credential of its own: the page signs in the super
 * admin and calls the admin API (`/api/admin/...`) with Basic credentials kept in the page's memory,
 * so every rule of the admin API (authentication, validation, audit) applies unchanged.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Env, Hono } from 'hono';
import { NotFound } from '../errors/oauth-errors.ts';
import { consoleHeaders } from './console-headers.ts';

export const CONSOLE_PATH = '/console';

const ASSET_DIR = join(import.meta.dirname, 'assets');

/** The only files served: name in the URL → file and type. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  'console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/** Mountable on any app (the admin API mounts it): the routes read nothing from the context. */
export function consoleRoutes<E extends Env>(app: Hono<E>): void {
  // Read once, on first use (a failed read is retried next time).
  const files = new Map<string, Promise<Buffer>>();
  const load = (file: string) => {
    let content = files.get(file);
    if (!content) {
      content = readFile(join(ASSET_DIR, file));
      content.catch(() => files.delete(file));
      files.set(file, content);
    }
    return content;
  };

  app.get(CONSOLE_PATH, async (c) => c.body(new Uint8Array(await load('console.html')), 200, consoleHeaders('text/html; charset=utf-8')));
  app.get(`${CONSOLE_PATH}/`, (c) => c.redirect(CONSOLE_PATH, 302));
  app.get(`${CONSOLE_PATH}/:asset`, async (c) => {
    const name = c.req.param('asset');
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new NotFound(`no console asset ${name}`);
    return c.body(new Uint8Array(await load(asset.file)), 200, consoleHeaders(asset.type));
  });
}
