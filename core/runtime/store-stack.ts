/**
 * The store the server runs on, built once at start-up. The layers, as a store call meets them:
 *
 * 1. client cache (ClientCache): every client authentication looks its client up; answered from
 *    memory, dropped when the invalidation bus says a client or its server changed;
 * 2. wrapped client secrets (store/wrapped-client-secrets.ts): a client_secret_jwt secret is
 *    wrapped with `[server] key_encryption_key_file` on its way in and unwrapped on its way out,
 *    under the cache so that a cached client is unwrapped once;
 * 3. notifying store (cluster/notifying-store.ts): a write to a record any node may cache publishes
 *    an invalidation once it has returned, so this node and every other forget their copy;
 * 4. guard (store/unavailable.ts, applied by openStore to every repository): connection failures
 *    become StoreUnavailableError (503), another process's SQLite lock is waited out on a timer;
 * 5. query executor (store/query-executor.ts): kysely, and the SQLite fast path of the token endpoint.
 *
 * `database` is what openStore returned (layers 4 and 5). The bus must already be listening, so
 * that no change made by another node is missed between the first lookup and the subscription.
 */
import type { InvalidationBus } from '../cluster/invalidation-bus.ts';
import { notifyingStore } from '../cluster/notifying-store.ts';
import type { Store } from '../store/repositories.ts';
import { wrappedClientSecrets } from '../store/wrapped-client-secrets.ts';
import type { KeyWrapper } from '../crypto/key-wrapping.ts';
import type { Logger } from '../api/plugin-context.ts';
import { ClientCache } from './client-cache.ts';
import type { Clock } from '../time/clock.ts';

/** `wrapper`: the one of `[server] key_encryption_key_file` (null when not set), as SigningKeys gets it. */
export function storeStack(database: Store, invalidation: InvalidationBus, clock: Clock, wrapper: KeyWrapper | null, logger: Logger): Store {
  const shared = wrappedClientSecrets(notifyingStore(database, invalidation), wrapper, logger);
  const clients = new ClientCache(shared, clock);
  invalidation.subscribe((event) => {
    if (event.scope === 'all') clients.clear();
    else if (event.scope === 'clients' || event.scope === 'server') clients.forget(event);
  });
  return clients.in(shared);
}
