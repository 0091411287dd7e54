/**
 * The one place errors become responses: RFC 6749 §5.2 JSON with `error` / `error_description`,
 * `WWW-Authenticate` where the RFCs want a challenge, `no-store`, and never a stack trace. An
 * unexpected error is logged with its stack and answered as a plain 500 `server_error`; an unreachable
 * store is 503 `temporarily_unavailable`.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from '../api/plugin-context.ts';
import { OAuthError, ServerError, TemporarilyUnavailable } from '../errors/oauth-errors.ts';
import { StoreUnavailableError } from '../store/repositories.ts';

export function toOAuthError(err: unknown): OAuthError {
  if (OAuthError.is(err)) return err;
  if (err instanceof StoreUnavailableError) return new TemporarilyUnavailable(undefined, err.message);
  if (err instanceof HTTPException) {
    if (err.status === 413) return new OAuthError(413, 'invalid_request', 'the request body is too large');
    return new OAuthError(err.status, 'invalid_request', err.message || 'bad request');
  }
  return new ServerError();
}

/** Headers an error's own `headers` may not set: the renderer decides these. */
const RESERVED = new Set(['cache-control', 'pragma', 'www-authenticate', 'retry-after', 'content-type', 'content-length', 'set-cookie']);

/** The headers a component asked for that it may set: well-formed, not one the core decides. */
export function componentHeaders(requested: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(requested ?? {})) {
    // Only well-formed names and values: a bundle cannot split or smuggle headers.
    if (/^[A-Za-z0-9-]{1,64}$/.test(name) && !RESERVED.has(name.toLowerCase()) && typeof value === 'string' && /^[\x20-\x7e]{0,1024}$/.test(value)) headers[name] = value;
  }
  return headers;
}

export function renderError(err: OAuthError, c: Context): Response {
  const headers = componentHeaders(err.headers);
  headers['Cache-Control'] = 'no-store';
  headers.Pragma = 'no-cache';
  if (err.challenge) headers['WWW-Authenticate'] = err.challenge;
  if (err.status === 503) headers['Retry-After'] = '1';
  return c.json(err.toJSON(), err.status as 400, headers);
}

export function errorHandler(logger: Logger) {
  return (err: unknown, c: Context): Response => {
    const error = toOAuthError(err);
    if (error.status >= 500) {
      logger.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err), path: c.req.path }, 'request failed');
    } else if (error.reason) {
      logger.info({ error: error.error, reason: error.reason, path: c.req.path }, 'request refused');
    }
    return renderError(error, c);
  };
}
