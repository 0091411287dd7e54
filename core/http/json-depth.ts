/**
 * Bounds the nesting depth of every JSON request body (`[limits] max_json_depth`): a 25,000-deep
 * `claims` value overflowed the stack in JSON.stringify when stored, a 500 with a stack trace
 * (security review #15 item 5). The text is scanned before anything parses it, without recursion,
 * and a body nested deeper is 400 invalid_request. Hono keeps the text read here for the route's
 * own `c.req.json()`.
 */
import type { MiddlewareHandler } from 'hono';
import { InvalidRequest } from '../errors/oauth-errors.ts';
import type { TesseraEnv } from './hono-env.ts';

/** The deepest nesting of arrays and objects in `text` (strings skipped); stops counting past `max`. */
export function jsonDepth(text: string, max = Number.MAX_SAFE_INTEGER): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > deepest) deepest = depth;
      if (deepest > max) return deepest;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return deepest;
}

/** Throws invalid_request when `text` nests deeper than `max`. */
export function assertJsonDepth(text: string, max: number, what = 'the JSON body'): void {
  if (jsonDepth(text, max) > max) throw new InvalidRequest(`${what} is nested deeper than ${max} levels`);
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

export function boundedJsonDepth(max: number): MiddlewareHandler<TesseraEnv> {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && JSON_TYPE.test(c.req.header('content-type') ?? '')) {
      assertJsonDepth(await c.req.text(), max);
    }
    await next();
  };
}
