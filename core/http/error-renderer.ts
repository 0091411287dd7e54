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

export function renderError(err: OAuthError, c: Context): Response {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
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
