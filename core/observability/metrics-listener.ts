/**
 * `[observability] metrics_listener`: a separate plain-HTTP listener that serves only /metrics,
 * without credentials, for a scraper on the same host or a private network (Keycloak's management
 * interface works the same way). "9464" binds 127.0.0.1:9464; "HOST:PORT" (or "[v6]:PORT") binds
 * that address; empty = off.
 */
import { Hono } from 'hono';
import { METRICS_LISTENER_PATTERN } from '../config/schema.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import type { Metrics } from './metrics.ts';

/** Host and port of the setting; null when it is empty. */
export function metricsListenerAddress(value: string): { host: string; port: number } | null {
  const match = METRICS_LISTENER_PATTERN.exec(value);
  if (!match) return null;
  return { host: (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

export function metricsApp(metrics: Metrics): Hono<TesseraEnv> {
  const app = new Hono<TesseraEnv>();
  app.get('/metrics', async (c) => c.text(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));
  app.notFound((c) => c.json({ error: 'not_found', error_description: 'this listener serves /metrics only' }, 404));
  return app;
}
