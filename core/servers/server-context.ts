import type { ServerRef } from '../api/model.ts';

export type { ServerContext } from '../api/model.ts';

export const DEFAULT_SERVER: ServerRef = Object.freeze({ tenantId: 'default', serverId: 'default' });

export function sameServer(a: ServerRef, b: ServerRef): boolean {
  return a.tenantId === b.tenantId && a.serverId === b.serverId;
}
