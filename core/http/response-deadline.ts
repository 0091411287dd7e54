/**
 * Every request is answered within `[limits] response_timeout_ms`: a plugin hook or a database that
 * never answers gets the client an RFC `temporarily_unavailable` (503) rather than a connection held
 * open until it gives up. The work itself is not cancelled (JavaScript cannot stop it); whatever it
 * produces later is dropped.
 */
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../api/plugin-context.ts';
import { TemporarilyUnavailable } from '../errors/oauth-errors.ts';

const TIMED_OUT = Symbol('timed out');

export function responseDeadline(timeoutMs: number, logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, TIMED_OUT);
    });
    const handled = next();
    try {
      if ((await Promise.race([handled, deadline])) !== TIMED_OUT) return;
    } finally {
      clearTimeout(timer);
    }
    // hono renders a late failure into a response nobody reads; keep it from surfacing as unhandled.
    handled.catch(() => {});
    logger.warn({ method: c.req.method, path: c.req.path, timeoutMs }, 'no response in time (a plugin hook or the store did not answer); answered 503');
    throw new TemporarilyUnavailable('the server did not answer in time; try again', `no response within ${timeoutMs} ms (${c.req.method} ${c.req.path})`);
  };
}
