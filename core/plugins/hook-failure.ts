/**
 * What a request does when a component's hook fails in a way the API does not allow (an exception
 * that is not an RFC error, or an answer of the wrong shape): it fails closed with a clean
 * `server_error`, and the operator's log names the component. The server stays up.
 */
import type { Logger } from '../api/plugin-context.ts';
import { OAuthError, ServerError } from '../errors/oauth-errors.ts';
import { StoreUnavailableError } from '../store/repositories.ts';

/**
 * Passes on an RFC error the hook chose and an unreachable store (503, rendered by the core); turns
 * anything else into a logged `server_error`.
 */
export function hookFailure(logger: Logger, kind: string, component: string, err: unknown, description: string): Error {
  if (OAuthError.is(err) || err instanceof StoreUnavailableError) return err;
  const error = err instanceof Error ? { message: err.message, stack: err.stack } : { message: String(err) };
  logger.error({ component, kind, err: error }, `${kind} ${component} failed: ${error.message}`);
  return new ServerError(description, `${kind} ${component} failed`);
}

/** A plain JSON object (not null, not an array): what interceptors and data providers must return. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
