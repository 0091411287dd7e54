/**
 * `[server] key_encryption_key_file` for client_secret_jwt clients: their secret is the HS256 key of
 * their client assertions (a hash cannot verify an HMAC), so it is stored wrapped like the private
 * signing keys are (core/crypto/key-wrapping.ts) and a copied database or backup alone cannot forge
 * their assertions. Wrapped on the way in, unwrapped on the way out, here only; the
 * tenant/server/client id is the additional data, so a wrapped secret cannot be moved to another
 * client record.
 *
 * A secret stored before the setting was made stays readable. A wrapped one this node cannot unwrap
 * (no file, another file, a damaged value) is handed out as no secret at all, with an error naming
 * the setting: that client's assertions are refused (invalid_client), every other client keeps
 * working, and the stored value itself is never taken for the key.
 */
import type { Client } from '../api/model.ts';
import type { Logger } from '../api/plugin-context.ts';
import { KeyWrapError, type KeyWrapper, unwrapStored } from '../crypto/key-wrapping.ts';
import type { Store } from './repositories.ts';

/** Additional data of a wrapped secret: the client record it belongs to. */
const wrapContext = (client: Client) => `client-secret-jwt/${client.tenantId}/${client.serverId}/${client.clientId}`;

export function wrappedClientSecrets(store: Store, wrapper: KeyWrapper | null, logger: Logger): Store {
  const sealed = (client: Client): Client =>
    wrapper && client.jwtSecret ? { ...client, jwtSecret: wrapper.wrap(client.jwtSecret, wrapContext(client)) } : client;

  const opened = (client: Client): Client => {
    if (!client.jwtSecret) return client;
    const what = `the client_secret_jwt secret of client ${client.clientId} on ${client.tenantId}/${client.serverId}`;
    try {
      return { ...client, jwtSecret: unwrapStored(client.jwtSecret, wrapper, wrapContext(client), what) };
    } catch (err) {
      if (!(err instanceof KeyWrapError)) throw err;
      logger.error({ clientId: client.clientId, tenantId: client.tenantId, serverId: client.serverId, setting: 'server.key_encryption_key_file' }, err.message);
      return { ...client, jwtSecret: null };
    }
  };
  const openedOrNull = (client: Client | null) => (client ? opened(client) : null);

  const clients = store.clients;
  return {
    ...store,
    clients: {
      ...clients,
      // What the caller passed comes back (the plain secret), as from an unwrapped store.
      create: async (client) => {
        await clients.create(sealed(client));
        return client;
      },
      update: async (client) => opened(await clients.update(sealed(client))),
      get: async (ref, clientId) => openedOrNull(await clients.get(ref, clientId)),
      list: async (ref) => (await clients.list(ref)).map(opened),
      listByTenant: async (tenantId) => (await clients.listByTenant(tenantId)).map(opened),
    },
  };
}
