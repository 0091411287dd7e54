/**
 * `GET /api/admin/{tid}/events`: the audit trail of recent events of a tenant (admin changes, sign-ins,
 * client authentication, tokens), newest first, paged with `before`. Read from this node's bounded
 * window (observability/recent-events.ts); the log and the EventListener components stay the durable
 * trail. Events never hold secrets (admin/audit.ts keeps request bodies out).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { TesseraEvent, TesseraEventType } from '../api/extension-points.ts';
import type { RecentEvents } from '../observability/recent-events.ts';
import { RECENT_EVENTS_PER_TYPE, RECORDED_EVENT_TYPES, type RecordedEvent } from '../observability/recent-events.ts';
import type { AdminEnv } from './admin-env.ts';
import { requireTenant, type AdminLookupDependencies } from './lookups.ts';
import { badRequest, commonErrors, json, tenantParams } from './route-parts.ts';

const EVENT_TYPES = RECORDED_EVENT_TYPES;

const MAX_PAGE = 200;

const eventQuery = z.object({
  type: z
    .string()
    .max(512)
    .refine((v) => v.split(',').every((t) => (EVENT_TYPES as readonly string[]).includes(t)), `must be event types separated by commas: ${EVENT_TYPES.join(', ')}`)
    .optional()
    .openapi({ param: { name: 'type', in: 'query' }, description: 'Only these event types (comma-separated).', example: 'admin.changed' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE)
    .optional()
    .openapi({ param: { name: 'limit', in: 'query' }, description: `Page size, 1 to ${MAX_PAGE}; default 50.` }),
  before: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .openapi({ param: { name: 'before', in: 'query' }, description: 'Only events older than this `seq` (the previous page\'s `next_before`).' }),
});

export const eventSchema = z
  .object({
    seq: z.int().openapi({ description: 'Increasing on the node that recorded it; the paging cursor.' }),
    type: z.enum(EVENT_TYPES),
    at: z.string().openapi({ description: 'When, ISO 8601.', example: '2026-12-07T00:30:00.000Z' }),
    tenant_id: z.string().nullable(),
    server_id: z.string().nullable(),
    client_id: z.string().nullable(),
    username: z.string().nullable().openapi({ description: 'The user, or for admin.changed the administrator (`admin`, `client:<id>`).' }),
    method: z.string().nullable().openapi({ description: 'Client authentication method, when relevant.' }),
    reason: z.string().nullable(),
    remote_address: z.string().nullable(),
    certificate_thumbprint: z.string().nullable().openapi({ description: 'x5t#S256 of the client certificate, when one was presented.' }),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEvent');

const eventListSchema = z
  .object({
    events: z.array(eventSchema),
    next_before: z.int().nullable().openapi({ description: 'Pass as `before` for the next (older) page; null when there is none.' }),
  })
  .openapi('AuditEventList');

const listEvents = createRoute({
  method: 'get',
  path: '/api/admin/{tid}/events',
  tags: ['Audit'],
  summary: 'Recent audit events of a tenant',
  description:
    `Newest first. The window is kept in memory on the node that answers, at most ${RECENT_EVENTS_PER_TYPE} events per type, ` +
    'and starts empty at each start; the log and EventListener components are the durable trail.',
  request: { params: tenantParams, query: eventQuery },
  responses: { 200: json(eventListSchema, 'A page of events.'), ...badRequest(), ...commonErrors },
});

function representation({ seq, event }: RecordedEvent): z.infer<typeof eventSchema> {
  const e: TesseraEvent = event;
  return {
    seq,
    type: e.type,
    at: new Date(e.at).toISOString(),
    tenant_id: e.tenantId ?? null,
    server_id: e.serverId ?? null,
    client_id: e.clientId ?? null,
    username: e.username ?? null,
    method: e.method ?? null,
    reason: e.reason ?? null,
    remote_address: e.remoteAddress ?? null,
    certificate_thumbprint: e.certificateThumbprint ?? null,
    details: { ...(e.details ?? {}) },
  };
}

/** The tenant lookups, and this node's recent events. */
export interface EventRouteDependencies extends AdminLookupDependencies {
  readonly recentEvents: RecentEvents;
}

export function eventRoutes(api: OpenAPIHono<AdminEnv>, runtime: EventRouteDependencies): void {
  api.openapi(listEvents, async (c) => {
    const { tid } = c.req.valid('param');
    const query = c.req.valid('query');
    await requireTenant(runtime, tid);
    const limit = query.limit ?? 50;
    const types = query.type?.split(',') as TesseraEventType[] | undefined;
    const page = runtime.recentEvents.query({ tenantId: tid, types, before: query.before, limit });
    const last = page.events.at(-1);
    return c.json({ events: page.events.map(representation), next_before: page.more && last ? last.seq : null }, 200);
  });
}
