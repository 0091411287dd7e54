/**
 * Prometheus metrics at /metrics: requests and latency by route and status, client-authentication
 * failures by method and reason, tokens issued by grant. One registry per running server, so tests
 * that start several servers in one process do not mix their figures.
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TesseraEvent } from '../api/extension-points.ts';

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'tessera_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'] as const, registers: [this.registry] });
  private readonly latency = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly authFailures = new Counter({ name: 'tessera_client_auth_failures_total', help: 'Client authentication failures by method and reason', labelNames: ['method', 'reason'] as const, registers: [this.registry] });
  private readonly events = new Counter({ name: 'tessera_events_total', help: 'Audit events by type', labelNames: ['type'] as const, registers: [this.registry] });

  constructor(withProcessMetrics = true) {
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry });
  }

  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const started = process.hrtime.bigint();
      await next();
      // The matched route pattern, never the raw path: ids and tokens stay out of label values.
      const route = routePath(c, -1) || 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
      this.latency.observe({ method: c.req.method, route }, seconds);
    };
  }

  onEvent(event: TesseraEvent): void {
    this.events.inc({ type: event.type });
    if (event.type === 'client.authentication.failed') {
      this.authFailures.inc({ method: event.method ?? 'unknown', reason: normaliseReason(event.reason) });
    }
  }
}

/** Reasons become label values: keep them few and free of ids. */
function normaliseReason(reason: string | undefined): string {
  if (!reason) return 'unknown';
  return reason.replace(/[^a-z ]/gi, ' ').trim().split(/\s+/).slice(0, 4).join('_').toLowerCase() || 'unknown';
}
