/**
 * `[limits] max_body_bytes` for every request: a larger body is refused with 413 before it is read.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { OAuthError } from '../errors/oauth-errors.ts';
import type { TesseraEnv } from './hono-env.ts';

export function requestBodyLimit(maxBody: number): MiddlewareHandler<TesseraEnv> {
  const tooLarge = () => {
    throw new OAuthError(413, 'invalid_request', 'the request body is too large');
  };
  const limitBody = bodyLimit({ maxSize: maxBody, onError: tooLarge });
  return async (c, next) => {
    // hono's bodyLimit reads `c.req.raw.body`, which makes @hono/node-server build a full Request
    // with a web stream around the socket for every request, and the form is then read through it:
    // about a tenth of a token request's CPU. With a Content-Length (and no Transfer-Encoding) it
    // only compares that number, and a GET or HEAD has no body: decide those from the Node
    // request's headers, exactly as bodyLimit would, and leave every other case to it.
    const incoming = c.env?.incoming;
    if (incoming) {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
      const length = incoming.headers['content-length'];
      if (length !== undefined && incoming.headers['transfer-encoding'] === undefined) {
        return parseInt(length, 10) > maxBody ? tooLarge() : next();
      }
    }
    return limitBody(c, next);
  };
}
