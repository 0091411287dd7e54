/**
 * `admin.changed` audit events: who changed what, on which server. Never the request body: secrets,
 * passwords and keys stay out of the audit trail.
 */
import type { Context } from 'hono';
import type { ServerRef } from '../api/model.ts';
import type { EventBus } from '../events/event-bus.ts';
import { principalName, type AdminEnv } from './admin-env.ts';

export type AdminResource = 'client' | 'server' | 'user' | 'signing_keys';
export type AdminAction = 'created' | 'updated' | 'deleted' | 'rotated';

export interface AdminChange {
  resource: AdminResource;
  action: AdminAction;
  /** The changed record's id (client_id, server id, user id). */
  id: string;
  server: ServerRef;
  /** Non-secret facts worth keeping (changed field names, a username). */
  extra?: Record<string, unknown>;
}

/** Who (the authenticated administrator) and from where (the client's address) come from `c`. */
/** Where admin changes are reported. */
export interface AuditDependencies {
  readonly events: EventBus;
}

export function auditChange(runtime: AuditDependencies, c: Context<AdminEnv>, change: AdminChange): void {
  const actor = c.get('admin');
  runtime.events.emit({
    type: 'admin.changed',
    tenantId: change.server.tenantId,
    serverId: change.server.serverId,
    ...(change.resource === 'client' ? { clientId: change.id } : {}),
    username: principalName(actor),
    remoteAddress: c.get('requestInfo').clientAddress,
    details: { resource: change.resource, action: change.action, id: change.id, actor: principalName(actor), ...change.extra },
  });
}
