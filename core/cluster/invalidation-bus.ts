/**
 * Cache invalidation across the nodes of a cluster. Every piece of state that must agree between
 * nodes lives in the store; the few in-process caches in front of it (the server directory, the
 * imported signing keys, the admin credential cache) subscribe here and drop what a change on any
 * node made stale. Locally (SQLite, one node) an event only reaches this process's subscribers; on
 * PostgreSQL it also reaches every other node through LISTEN/NOTIFY (postgres-invalidation-bus.ts).
 *
 * Events only ever say "forget this"; a node that gets one too many just reloads, so delivery may
 * be duplicated or spurious, never harmful. A lost event is healed by the caches' own time limits,
 * and a node whose channel reconnects gets `{ scope: 'all' }` for the events it may have missed.
 */
import type { ServerRef } from '../api/model.ts';
import type { Logger } from '../api/plugin-context.ts';

/** What changed on one authorization server. `server` covers everything of it (update, delete). */
export type InvalidationScope = 'server' | 'keys' | 'clients' | 'users';

export type Invalidation = ({ scope: InvalidationScope } & ServerRef) | { scope: 'all' };

export type InvalidationListener = (event: Invalidation) => void;

export interface InvalidationBus {
  /** Identifies this process in published events, so it skips its own when they come back. */
  readonly nodeId: string;
  /**
   * Delivers to this node's subscribers at once, then to the other nodes. Resolves when the event
   * has been handed to the database (or failed: the failure is logged, never thrown — the change it
   * describes is already stored, and the caches' time limits bound the staleness).
   */
  publish(event: Invalidation): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(listener: InvalidationListener): () => void;
  close(): Promise<void>;
}

/** Calls every listener, each isolated: a throwing cache must not keep the others stale. */
export class InvalidationListeners {
  private readonly listeners = new Set<InvalidationListener>();

  constructor(private readonly logger: Logger) {}

  add(listener: InvalidationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  deliver(event: Invalidation): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err: (err as Error).message, event }, 'cache invalidation listener failed');
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** One process only: the embedded SQLite store, and tests. */
export class LocalInvalidationBus implements InvalidationBus {
  readonly nodeId: string;
  private readonly listeners: InvalidationListeners;

  constructor(logger: Logger, nodeId = 'local') {
    this.nodeId = nodeId;
    this.listeners = new InvalidationListeners(logger);
  }

  async publish(event: Invalidation): Promise<void> {
    this.listeners.deliver(event);
  }

  subscribe(listener: InvalidationListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

/** Does `event` concern `ref`? (`all` concerns everything.) */
export function concerns(event: Invalidation, ref: ServerRef): boolean {
  return event.scope === 'all' || (event.tenantId === ref.tenantId && event.serverId === ref.serverId);
}
