/**
 * The store with change notifications: after a write that a node may hold in a cache (servers,
 * signing keys, clients, users) has returned, the bus is told, so every node — whoever made the
 * change, through the admin API, a plugin or start-up — forgets its copy. Tokens, codes, consents
 * and key-value rows are never cached and need no event: every node reads them from the store.
 */
import type { ServerRef } from '../api/model.ts';
import type { Store } from '../store/repositories.ts';
import type { InvalidationBus, InvalidationScope } from './invalidation-bus.ts';

export function notifyingStore(store: Store, bus: InvalidationBus): Store {
  /** Runs the write, then publishes for the server it touched (also when it changed nothing: cheap, and never wrong). */
  const after =
    <A extends unknown[], R>(scope: InvalidationScope, write: (...args: A) => Promise<R>, refOf: (...args: A) => ServerRef) =>
    async (...args: A): Promise<R> => {
      const result = await write(...args);
      const { tenantId, serverId } = refOf(...args);
      await bus.publish({ scope, tenantId, serverId });
      return result;
    };
  // The repositories are guarded proxies: spreading one copies its (guarded) methods.
  const { servers, keys, clients, users } = store;
  const first = <T extends ServerRef>(ref: T) => ref;
  return {
    ...store,
    servers: {
      ...servers,
      create: after('server', servers.create.bind(servers), first),
      update: after('server', servers.update.bind(servers), first),
      delete: after('server', servers.delete.bind(servers), first),
    },
    keys: {
      ...keys,
      add: after('keys', keys.add.bind(keys), first),
      markRotated: after('keys', keys.markRotated.bind(keys), first),
    },
    clients: {
      ...clients,
      create: after('clients', clients.create.bind(clients), first),
      update: after('clients', clients.update.bind(clients), first),
      delete: after('clients', clients.delete.bind(clients), first),
    },
    users: {
      ...users,
      create: after('users', users.create.bind(users), first),
      updatePassword: after('users', users.updatePassword.bind(users), first),
      delete: after('users', users.delete.bind(users), first),
    },
  };
}
