/**
 * The store with change notifications: after a write that a node may hold in a cache (servers,
 * signing keys, clients, users) has returned, the bus is told, so every node — whoever made the
 * change, through the admin API, a plugin or start-up — forgets its copy. Tokens, codes, consents
 * and key-value rows are never cached and need no event: every node reads them from the store.
 */
import type { ServerRef } from '../api/model.ts';
import type { Store } from '../store/repositories.ts';
import type { InvalidationBus, InvalidationScope } from './invalidation-bus.ts';

/** The methods of R whose first argument names the server they touch: the only ones that can be wrapped. */
type ServerWrite<R> = {
  [K in keyof R]: R[K] extends (first: infer F, ...rest: never[]) => Promise<unknown> ? (F extends ServerRef ? K : never) : never;
}[keyof R] &
  string;

export function notifyingStore(store: Store, bus: InvalidationBus): Store {
  /**
   * The repository with the named writes wrapped: each runs, then publishes for the server it touched
   * (its first argument; also when it changed nothing: cheap, and never wrong).
   */
  const notifying = <R extends object>(scope: InvalidationScope, repository: R, writes: readonly ServerWrite<R>[]): R => {
    // The repositories are guarded proxies: spreading one copies its (guarded) methods.
    const wrapped = { ...repository } as Record<string, unknown>;
    for (const name of writes) {
      const write = (repository[name] as (ref: ServerRef, ...rest: unknown[]) => Promise<unknown>).bind(repository);
      wrapped[name] = async (ref: ServerRef, ...rest: unknown[]) => {
        const result = await write(ref, ...rest);
        await bus.publish({ scope, tenantId: ref.tenantId, serverId: ref.serverId });
        return result;
      };
    }
    return wrapped as R;
  };
  return {
    ...store,
    servers: notifying('server', store.servers, ['create', 'update', 'delete']),
    keys: notifying('keys', store.keys, ['add', 'markRotated']),
    clients: notifying('clients', store.clients, ['create', 'update', 'delete']),
    users: notifying('users', store.users, ['create', 'updatePassword', 'delete']),
  };
}
