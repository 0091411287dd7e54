import { describe, expect, it } from 'vitest';
import { CredentialCache } from '../../core/users/credential-cache.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { hashPassword } from '../../core/users/password-hash.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startAdminServer } from './admin-support.ts';

describe('CredentialCache', () => {
  it('remembers a success until the TTL passes', () => {
    let now = 1_000;
    const cache = new CredentialCache(60_000, 10, () => now);
    expect(cache.has('admin', 'admin')).toBe(false);
    cache.remember('admin', 'admin');
    expect(cache.has('admin', 'admin')).toBe(true);
    expect(cache.has('admin', 'other')).toBe(false);
    expect(cache.has('admi', 'nadmin')).toBe(false);
    now += 59_999;
    expect(cache.has('admin', 'admin')).toBe(true);
    now += 1;
    expect(cache.has('admin', 'admin')).toBe(false);
  });

  it('stays bounded, dropping the oldest entry', () => {
    const cache = new CredentialCache(60_000, 2);
    cache.remember('a', '1');
    cache.remember('b', '2');
    cache.remember('c', '3');
    expect(cache.has('a', '1')).toBe(false);
    expect(cache.has('b', '2')).toBe(true);
    expect(cache.has('c', '3')).toBe(true);
  });

  it('never keeps the password itself', () => {
    const cache = new CredentialCache();
    cache.remember('admin', 'super-secret-password');
    expect(JSON.stringify([...(cache as unknown as { entries: Map<string, number> }).entries.keys()])).not.toContain('super-secret-password');
  });
});

describe('admin Basic cache and password changes', () => {
  it('a cached super admin password stops working as soon as the password changes in the store', async () => {
    const server = await startAdminServer();
    try {
      const url = `${server.url}/api/admin/default/servers`;
      expect((await call(url, { basic: ['admin', 'admin'] })).status).toBe(200);
      expect((await call(url, { basic: ['admin', 'admin'] })).status).toBe(200);
      // As another node (or a restart with a new [super_admin] password) would do it.
      const admin = await server.runtime.store.users.getByUsername(DEFAULT_SERVER, 'admin');
      await server.runtime.store.users.updatePassword(DEFAULT_SERVER, admin!.id, await hashPassword('changed-password'));
      expect((await call(url, { basic: ['admin', 'admin'] })).status).toBe(401);
      expect((await call(url, { basic: ['admin', 'changed-password'] })).status).toBe(200);
    } finally {
      await closeClients();
      await server.dispose();
    }
  });
});
