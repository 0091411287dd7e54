/**
 * The client cache hands out deep-frozen clients: the token endpoint uses the cached object as the
 * core's view of the request without a copy, so nothing (a bundle's authenticator or binder
 * included) may change it, nested arrays and keys too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientCache } from '../../core/runtime/client-cache.ts';
import { isDeepFrozenClient } from '../../core/store/frozen-client.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { openStore } from '../../core/store/open-store.ts';
import type { Store } from '../../core/store/repositories.ts';
import { aClient } from '../support/client-builder.ts';

describe('the client cache', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-client-cache-'));
    store = await openStore({ sqliteFile: join(dir, 'tessera.db') });
    await store.clients.create(aClient({ clientId: 'frozen', grantTypes: ['client_credentials'], jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] } }));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands out deep-frozen clients, the same object while cached', async () => {
    const cache = new ClientCache(store);
    const client = (await cache.get(DEFAULT_SERVER, 'frozen'))!;
    expect(isDeepFrozenClient(client)).toBe(true);
    expect(() => client.grantTypes.push('password')).toThrow(TypeError);
    expect(() => {
      (client.jwks!.keys[0] as Record<string, unknown>).x = 'other';
    }).toThrow(TypeError);
    expect(await cache.get(DEFAULT_SERVER, 'frozen')).toBe(client);
    expect((await cache.get(DEFAULT_SERVER, 'frozen'))!.grantTypes).toEqual(['client_credentials']);
  });

  it('does not count a client from elsewhere as deep-frozen, even frozen at its top level', async () => {
    const client = Object.freeze((await store.clients.get(DEFAULT_SERVER, 'frozen'))!);
    expect(isDeepFrozenClient(client)).toBe(false);
  });
});
