/**
 * `application/x-www-form-urlencoded` bodies of the OAuth endpoints (RFC 6749 §3.2): the content type
 * is required, a parameter may appear only once, values are strings. The body size is capped by the
 * body-limit middleware before this runs.
 */
import type { Context } from 'hono';
import { InvalidRequest } from '../errors/oauth-errors.ts';

export async function readForm(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
    throw new InvalidRequest('the request body must be application/x-www-form-urlencoded');
  }
  return parseForm(await c.req.text());
}

export function parseForm(body: string): Record<string, string> {
  const params: Record<string, string> = Object.create(null);
  let decoded: URLSearchParams;
  try {
    decoded = new URLSearchParams(body);
  } catch {
    throw new InvalidRequest('the request body is not valid form encoding');
  }
  for (const [name, value] of decoded) {
    if (name in params) throw new InvalidRequest(`parameter "${name}" must not be repeated`);
    params[name] = value;
  }
  return params;
}

/** Query parameters under the same rule (authorization requests). */
export function parseQuery(url: string): Record<string, string> {
  const query = url.indexOf('?');
  return query < 0 ? Object.create(null) : parseForm(url.slice(query + 1).split('#')[0]);
}
