/**
 * Clients deep-frozen once, when a cache hands them out, and recognised later: the token endpoint's
 * view of the request may share such an object instead of copying it, since nobody (a bundle
 * included) can change it any more. A shallow freeze elsewhere does not count. `deepFreeze` also
 * serves what else the core hands bundles frozen (their view of the configuration).
 */
import type { Client } from '../api/model.ts';

const deepFrozen = new WeakSet<Client>();

/** Freezes the client and everything it holds, and remembers that it did. */
export function freezeClient(client: Client): Client {
  deepFreeze(client);
  deepFrozen.add(client);
  return client;
}

/** True for a client no one can change any more: one `freezeClient` returned. */
export function isDeepFrozenClient(client: Client): boolean {
  return deepFrozen.has(client);
}

/** Freezes the value and everything it holds (already frozen parts too: their children may not be). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}
