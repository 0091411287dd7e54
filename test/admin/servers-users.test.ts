import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/https-client.ts';
import { adminCall, auditEvents, clientCredentials, adminServerForSuite } from './admin-support.ts';

describe('admin API: authorization servers', () => {
  const server = adminServerForSuite();

  it('creates a server under a new tenant, which creates the tenant; its endpoints answer at once', async () => {
    expect((await adminCall(server, '/api/admin/initech/servers')).status).toBe(404);
    // Looked up (and cached as missing) before it exists.
    expect((await call(`${server.url}/initech/payments/.well-known/openid-configuration`)).status).toBe(404);

    const created = await adminCall(server, '/api/admin/initech/servers', { json: { id: 'payments', name: 'Payments' } });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ id: 'payments', tenant_id: 'initech', name: 'Payments', issuer: null, access_token_format: null });
    expect(created.json.effective_issuer).toMatch(/\/initech\/payments$/);
    expect(await server.runtime.store.tenants.get('initech')).not.toBeNull();

    const discovery = await call(`${server.url}/initech/payments/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(discovery.json.issuer).toBe(created.json.effective_issuer);

    const listed = await adminCall(server, '/api/admin/initech/servers');
    expect(listed.json.servers.map((s: { id: string }) => s.id)).toEqual(['payments']);
    expect((await adminCall(server, '/api/admin/initech/servers/payments')).json.name).toBe('Payments');
    expect((await adminCall(server, '/api/admin/initech/servers', { json: { id: 'payments', name: 'again' } })).status).toBe(409);
  });

  it('updates a server: a new issuer and token format apply at once', async () => {
    await adminCall(server, '/api/admin/umbrella/servers', { json: { id: 'main', name: 'Main' } });
    const put = await adminCall(server, '/api/admin/umbrella/servers/main', { method: 'PUT', json: { name: 'Main 2', issuer: 'https://id.umbrella.example/main' } });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ name: 'Main 2', issuer: 'https://id.umbrella.example/main', effective_issuer: 'https://id.umbrella.example/main' });
    expect((await call(`${server.url}/umbrella/main/.well-known/openid-configuration`)).json.issuer).toBe('https://id.umbrella.example/main');

    const patch = await adminCall(server, '/api/admin/umbrella/servers/main', { method: 'PATCH', json: { access_token_format: 'opaque' } });
    expect(patch.status, patch.text).toBe(200);
    expect(patch.json).toMatchObject({ name: 'Main 2', issuer: 'https://id.umbrella.example/main', access_token_format: 'opaque' });
    const secret = 'umbrella-secret-0123456789abcdef';
    await adminCall(server, '/api/admin/umbrella/clients', { json: { client_id: 'svc', client_secret: secret, authorization_server_id: 'main', grant_types: ['client_credentials'] } });
    const token = await clientCredentials(server, '/umbrella/main/oauth2', 'svc', secret);
    expect(token.status, token.text).toBe(200);
    expect(token.json.access_token).not.toContain('.');

    // PUT is a full update: absent fields go back to their defaults.
    const reset = await adminCall(server, '/api/admin/umbrella/servers/main', { method: 'PUT', json: { name: 'Main 3' } });
    expect(reset.json).toMatchObject({ issuer: null, access_token_format: null });

    const badIssuer = await adminCall(server, '/api/admin/umbrella/servers/main', { method: 'PATCH', json: { issuer: 'http://id.example.com/x?y=1' } });
    expect(badIssuer.status).toBe(400);
    expect(badIssuer.json.error_description).toContain('issuer');
    const rename = await adminCall(server, '/api/admin/umbrella/servers/main', { method: 'PUT', json: { id: 'other', name: 'x' } });
    expect(rename.status).toBe(400);
    expect(rename.json.error_description).toContain('id');
  });

  it('rotates a server\'s signing keys; the old ones stay published', async () => {
    await adminCall(server, '/api/admin/hooli/servers', { json: { id: 'k', name: 'Keys' } });
    const before = (await call(`${server.url}/hooli/k/oauth2/jwks`)).json.keys.map((k: { kid: string }) => k.kid);
    const rotated = await adminCall(server, '/api/admin/hooli/servers/k/keys/rotate', { method: 'POST' });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json.kids).toHaveLength(2);
    const after = (await call(`${server.url}/hooli/k/oauth2/jwks`)).json.keys.map((k: { kid: string }) => k.kid);
    expect(after).toEqual(expect.arrayContaining([...before, ...rotated.json.kids]));
    expect((await adminCall(server, '/api/admin/hooli/servers/nope/keys/rotate', { method: 'POST' })).status).toBe(404);
  });

  it('deletes a server with everything in it; its endpoints stop at once', async () => {
    await adminCall(server, '/api/admin/massive/servers', { json: { id: 'doomed', name: 'Doomed' } });
    const secret = 'doomed-secret-0123456789abcdefgh';
    await adminCall(server, '/api/admin/massive/clients', { json: { client_id: 'c', client_secret: secret, authorization_server_id: 'doomed', grant_types: ['client_credentials'] } });
    expect((await clientCredentials(server, '/massive/doomed/oauth2', 'c', secret)).status).toBe(200);

    expect((await adminCall(server, '/api/admin/massive/servers/doomed', { method: 'DELETE' })).status).toBe(204);
    expect((await adminCall(server, '/api/admin/massive/servers/doomed')).status).toBe(404);
    expect((await call(`${server.url}/massive/doomed/.well-known/openid-configuration`)).status).toBe(404);
    expect((await clientCredentials(server, '/massive/doomed/oauth2', 'c', secret)).status).toBe(404);
    expect(await server.runtime.store.clients.list({ tenantId: 'massive', serverId: 'doomed' })).toEqual([]);
    // Re-created under the same id, it starts empty.
    await adminCall(server, '/api/admin/massive/servers', { json: { id: 'doomed', name: 'Reborn' } });
    expect((await clientCredentials(server, '/massive/doomed/oauth2', 'c', secret)).status).toBe(401);
  });

  it('refuses to delete the default server of the default tenant', async () => {
    const res = await adminCall(server, '/api/admin/default/servers/default', { method: 'DELETE' });
    expect(res.status).toBe(409);
    expect((await call(`${server.url}/.well-known/openid-configuration`)).status).toBe(200);
  });

  it('validates server bodies and ids', async () => {
    const bad = await adminCall(server, '/api/admin/acme/servers', { json: { id: 'has space', name: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_request');
    expect(bad.json.error_description).toContain('id');
    const unknown = await adminCall(server, '/api/admin/acme/servers', { json: { id: 'ok', name: 'x', colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error_description).toContain('colour');
    // /api/... and /oauth2/... belong to the server itself.
    expect((await adminCall(server, '/api/admin/api/servers', { json: { id: 'admin', name: 'x' } })).status).toBe(404);
  });

  it('audits server changes', () => {
    const actions = auditEvents(server)
      .filter((e) => e.type === 'admin.changed' && (e.details as { resource: string }).resource === 'server')
      .map((e) => `${e.tenantId}/${e.serverId}:${(e.details as { action: string }).action}`);
    expect(actions).toEqual(expect.arrayContaining(['initech/payments:created', 'umbrella/main:updated', 'massive/doomed:deleted']));
  });
});

describe('admin API: users', () => {
  const server = adminServerForSuite();
  const secret = 'users-secret-0123456789abcdefghij';
  beforeAll(async () => {
    await adminCall(server, '/api/admin/default/servers', { json: { id: 'shop', name: 'Shop' } });
    for (const aid of ['default', 'shop']) {
      const res = await adminCall(server, '/api/admin/default/clients', { json: { client_id: 'ropc', client_secret: secret, authorization_server_id: aid, grant_types: ['password'] } });
      expect(res.status, res.text).toBe(201);
    }
  });

  const login = (base: string, username: string, password: string) =>
    call(`${server.url}${base}/token`, { form: { grant_type: 'password', username, password }, basic: ['ropc', secret] });

  it('creates, lists, reads and deletes users; passwords are never returned', async () => {
    const created = await adminCall(server, '/api/admin/default/users', { json: { username: 'user', password: 'user', claims: { email: 'user@example.com' } } });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ username: 'user', authorization_server_id: 'default', claims: { email: 'user@example.com' }, is_admin: false });
    expect(created.text).not.toMatch(/password|scrypt/);
    expect((await login('/oauth2', 'user', 'user')).status).toBe(200);

    const listed = await adminCall(server, '/api/admin/default/users');
    expect(listed.status).toBe(200);
    expect(listed.json.users.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(['admin', 'user']));
    expect(listed.text).not.toMatch(/password|scrypt/);
    expect((await adminCall(server, `/api/admin/default/users/${created.json.id}`)).json.username).toBe('user');
    expect((await adminCall(server, '/api/admin/default/users/user')).json.id).toBe(created.json.id);

    const changed = await adminCall(server, `/api/admin/default/users/${created.json.id}`, { method: 'PATCH', json: { password: 'new-user-pw' } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.text).not.toMatch(/password|scrypt/);
    expect((await login('/oauth2', 'user', 'user')).status).toBe(400);
    expect((await login('/oauth2', 'user', 'new-user-pw')).status).toBe(200);

    expect((await adminCall(server, `/api/admin/default/users/${created.json.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await login('/oauth2', 'user', 'user')).status).toBe(400);
    expect((await adminCall(server, `/api/admin/default/users/${created.json.id}`)).status).toBe(404);
    const audited = auditEvents(server).filter((e) => e.type === 'admin.changed' && (e.details as { resource: string }).resource === 'user');
    expect(audited.map((e) => (e.details as { action: string }).action)).toEqual(['created', 'updated', 'deleted']);
    expect(JSON.stringify(audited)).not.toContain('new-user-pw');
    expect(JSON.stringify(audited)).not.toContain('"password":');
  });

  it('usernames are unique per server, not per tenant', async () => {
    const first = await adminCall(server, '/api/admin/default/users', { json: { username: 'bob', password: 'pw-default' } });
    expect(first.status).toBe(201);
    expect((await adminCall(server, '/api/admin/default/users', { json: { username: 'bob', password: 'x' } })).status).toBe(409);
    const onShop = await adminCall(server, '/api/admin/default/users', { json: { username: 'bob', password: 'pw-shop', authorization_server_id: 'shop' } });
    expect(onShop.status, onShop.text).toBe(201);
    expect(onShop.json.authorization_server_id).toBe('shop');
    // Each logs in on its own server only.
    expect((await login('/default/shop/oauth2', 'bob', 'pw-shop')).status).toBe(200);
    expect((await login('/default/shop/oauth2', 'bob', 'pw-default')).status).toBe(400);
    expect((await login('/oauth2', 'bob', 'pw-default')).status).toBe(200);
    const shopOnly = await adminCall(server, '/api/admin/default/users?authorization_server_id=shop');
    expect(shopOnly.json.users.map((u: { username: string }) => u.username)).toEqual(['bob']);
    expect((await adminCall(server, '/api/admin/default/users/bob')).status).toBe(400);
    expect(server.logs.join('\n')).not.toContain('pw-shop');
  });

  it('refuses to delete the super admin', async () => {
    const res = await adminCall(server, '/api/admin/default/users/admin?authorization_server_id=default', { method: 'DELETE' });
    expect(res.status).toBe(409);
    const password = await adminCall(server, '/api/admin/default/users/admin?authorization_server_id=default', { method: 'PATCH', json: { password: 'x' } });
    expect(password.status).toBe(409);
  });

  it('validates user bodies', async () => {
    const missing = await adminCall(server, '/api/admin/default/users', { json: { username: 'carol' } });
    expect(missing.status).toBe(400);
    expect(missing.json.error_description).toContain('password');
    const reserved = await adminCall(server, '/api/admin/default/users', { json: { username: 'carol', password: 'pw', claims: { sub: 'root' } } });
    expect(reserved.status).toBe(400);
    expect(reserved.json.error_description).toContain('claims.sub');
    const noServer = await adminCall(server, '/api/admin/default/users', { json: { username: 'carol', password: 'pw', authorization_server_id: 'nope' } });
    expect(noServer.status).toBe(404);
  });
});
