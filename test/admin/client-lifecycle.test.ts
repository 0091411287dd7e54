import { describe, expect, it } from 'vitest';
import { createCa, createLeaf, createSelfSigned } from '../support/pki.ts';
import { adminCall, auditEvents, clientCredentials, adminServerForSuite } from './admin-support.ts';

describe('admin API: client lifecycle', () => {
  const server = adminServerForSuite();

  it('creates, returns the secret once, issues tokens, updates, deletes', async () => {
    const created = await adminCall(server, '/api/admin/default/clients', {
      json: { client_id: 'app1', client_name: 'App one', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scopes: ['read', 'write'] },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const secret: string = created.json.client_secret;
    expect(secret.length).toBeGreaterThanOrEqual(24);
    expect(created.json).toMatchObject({
      client_id: 'app1',
      client_name: 'App one',
      authorization_server_id: 'default',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      scopes: ['read', 'write'],
      scope: 'read write',
      client_secret_expires_at: 0,
      certificate: [],
      tls_client_certificate_bound_access_tokens: false,
    });
    expect(typeof created.json.client_id_issued_at).toBe('number');
    expect(created.text).not.toMatch(/sha256\$|secret_hash|secretHash/);

    const read = await adminCall(server, '/api/admin/default/clients/app1');
    expect(read.status).toBe(200);
    expect(read.json.client_secret).toBeUndefined();
    expect(read.json.client_secret_expires_at).toBeUndefined();
    expect(read.text).not.toContain(secret);
    const listed = await adminCall(server, '/api/admin/default/clients');
    expect(listed.status).toBe(200);
    expect(listed.json.clients.map((c: { client_id: string }) => c.client_id)).toContain('app1');
    expect(listed.text).not.toContain(secret);

    const token = await clientCredentials(server, '/oauth2', 'app1', secret, 'read');
    expect(token.status, token.text).toBe(200);
    expect(token.json.scope).toBe('read');

    // Full update: the secret is kept (not sent, not returned); the new scopes apply.
    const updated = await adminCall(server, '/api/admin/default/clients/app1', {
      method: 'PUT',
      json: { ...read.json, client_name: 'App 1', scopes: ['read'], scope: undefined },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.json).toMatchObject({ client_name: 'App 1', scopes: ['read'] });
    expect(updated.json.client_secret).toBeUndefined();
    expect((await clientCredentials(server, '/oauth2', 'app1', secret, 'write')).json.error).toBe('invalid_scope');
    expect((await clientCredentials(server, '/oauth2', 'app1', secret)).status).toBe(200);

    const patched = await adminCall(server, '/api/admin/default/clients/app1', { method: 'PATCH', json: { client_name: 'Patched', scope: 'read write' } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ client_name: 'Patched', scopes: ['read', 'write'], grant_types: ['client_credentials'] });

    const deleted = await adminCall(server, '/api/admin/default/clients/app1', { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await adminCall(server, '/api/admin/default/clients/app1')).status).toBe(404);
    const refused = await clientCredentials(server, '/oauth2', 'app1', secret);
    expect(refused.status).toBe(401);
    expect(refused.json.error).toBe('invalid_client');
    expect((await adminCall(server, '/api/admin/default/clients/app1', { method: 'DELETE' })).status).toBe(404);

    // Audit: one admin.changed per change, never the secret.
    const changes = auditEvents(server).filter((e) => e.type === 'admin.changed' && e.clientId === 'app1');
    expect(changes.map((e) => (e.details as { action: string }).action)).toEqual(['created', 'updated', 'updated', 'deleted']);
    expect(changes[0]).toMatchObject({ tenantId: 'default', serverId: 'default', username: 'admin' });
    expect(server.logs.join('\n')).not.toContain(secret);
  });

  it('generates a client_id and a secret when absent, and applies RFC 7591 defaults (method stays null)', async () => {
    const created = await adminCall(server, '/api/admin/default/clients', { json: { redirect_uris: ['https://app.example.com/cb'] } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.client_id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(created.json.client_secret.length).toBeGreaterThanOrEqual(24);
    expect(created.json).toMatchObject({ grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: null, scopes: [] });
  });

  it('keeps a supplied secret, and rotates it on PUT with client_secret', async () => {
    const secret = 'supplied-secret-0123456789abcdef';
    const created = await adminCall(server, '/api/admin/default/clients', { json: { client_id: 'app2', client_secret: secret, grant_types: ['client_credentials'] } });
    expect(created.status).toBe(201);
    expect(created.json.client_secret).toBe(secret);
    expect((await clientCredentials(server, '/oauth2', 'app2', secret)).status).toBe(200);
    const rotated = 'rotated-secret-0123456789abcdefgh';
    const put = await adminCall(server, '/api/admin/default/clients/app2', { method: 'PUT', json: { grant_types: ['client_credentials'], client_secret: rotated } });
    expect(put.status, put.text).toBe(200);
    expect((await clientCredentials(server, '/oauth2', 'app2', secret)).status).toBe(401);
    expect((await clientCredentials(server, '/oauth2', 'app2', rotated)).status).toBe(200);
  });

  it('answers 409 when the client_id is taken on that server', async () => {
    const body = { client_id: 'dup', grant_types: ['client_credentials'] };
    expect((await adminCall(server, '/api/admin/default/clients', { json: body })).status).toBe(201);
    const again = await adminCall(server, '/api/admin/default/clients', { json: body });
    expect(again.status).toBe(409);
    expect(again.json.error_description).toContain('dup');
  });

  it('answers 404 for an unknown tenant, server or client', async () => {
    const tenant = await adminCall(server, '/api/admin/nowhere/clients', { json: { client_id: 'x' } });
    expect(tenant.status).toBe(404);
    expect(tenant.json.error_description).toContain('nowhere');
    const srv = await adminCall(server, '/api/admin/default/clients', { json: { client_id: 'x', authorization_server_id: 'nope' } });
    expect(srv.status).toBe(404);
    expect(srv.json.error_description).toContain('nope');
    expect((await adminCall(server, '/api/admin/default/clients/ghost')).status).toBe(404);
    expect((await adminCall(server, '/api/admin/nowhere/clients')).status).toBe(404);
  });

  it('registers the Cloudentity guide\'s tls_client_auth client and returns the RFC 8705 fields', async () => {
    const created = await adminCall(server, '/api/admin/default/clients', {
      json: {
        authorization_server_id: 'default',
        client_id: 'client-mtls',
        client_name: 'My app',
        grant_types: ['authorization_code'],
        redirect_uris: ['https://localhost:8443/callback', 'http://127.0.0.1:7777/cb'],
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=client-mtls,O=Example,C=US',
        tls_client_certificate_bound_access_tokens: true,
        response_types: ['code'],
        scopes: ['openid'],
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.client_secret).toBeUndefined();
    expect(created.json).toMatchObject({
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=client-mtls,O=Example,C=US',
      tls_client_auth_san_dns: null,
      tls_client_certificate_bound_access_tokens: true,
    });
    const stored = await server.runtime.store.clients.get({ tenantId: 'default', serverId: 'default' }, 'client-mtls');
    expect(stored?.secretHash).toBeNull();
  });

  it('stores certificates (one PEM text with several blocks, or an array) and returns them as an array', async () => {
    const a = await createSelfSigned({ subject: 'CN=app-a' });
    const b = await createSelfSigned({ subject: 'CN=app-b' });
    const created = await adminCall(server, '/api/admin/default/clients', {
      json: { client_id: 'selfsigned', token_endpoint_auth_method: 'self_signed_tls_client_auth', grant_types: ['client_credentials'], certificate: a.certPem + b.certPem },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.certificate).toEqual([a.certPem, b.certPem]);
    const wso2 = await adminCall(server, '/api/admin/default/clients', {
      json: { client_id: 'wso2-app', grant_types: ['client_credentials'], certificate: [a.certPem.replace(/\n/g, ' ')] },
    });
    expect(wso2.status, wso2.text).toBe(201);
    expect(wso2.json.certificate).toEqual([a.certPem]);
    expect(wso2.json.token_endpoint_auth_method).toBeNull();
  });

  it('accepts a JWK Set whose x5c parses, and a jwks_uri', async () => {
    const ca = await createCa();
    const leaf = await createLeaf({ issuer: ca, subject: 'CN=jwks-client' });
    const x5c = Buffer.from(leaf.der).toString('base64');
    const withJwks = await adminCall(server, '/api/admin/default/clients', {
      json: { client_id: 'jwks-client', token_endpoint_auth_method: 'self_signed_tls_client_auth', grant_types: ['client_credentials'], jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', x5c: [x5c] }] } },
    });
    expect(withJwks.status, withJwks.text).toBe(201);
    expect(withJwks.json.jwks.keys[0].x5c).toEqual([x5c]);
    const withUri = await adminCall(server, '/api/admin/default/clients', {
      json: { client_id: 'jwks-uri-client', token_endpoint_auth_method: 'self_signed_tls_client_auth', grant_types: ['client_credentials'], jwks_uri: 'https://client.example.com/jwks.json' },
    });
    expect(withUri.status, withUri.text).toBe(201);
    expect(withUri.json.jwks_uri).toBe('https://client.example.com/jwks.json');
  });

  it('refuses to change client_id or authorization_server_id on update', async () => {
    await adminCall(server, '/api/admin/default/clients', { json: { client_id: 'fixed', grant_types: ['client_credentials'] } });
    const renamed = await adminCall(server, '/api/admin/default/clients/fixed', { method: 'PUT', json: { client_id: 'other', grant_types: ['client_credentials'] } });
    expect(renamed.status).toBe(400);
    expect(renamed.json.error_description).toContain('client_id');
    const moved = await adminCall(server, '/api/admin/default/clients/fixed', { method: 'PATCH', json: { authorization_server_id: 'elsewhere' } });
    expect(moved.status).toBe(400);
    expect(moved.json.error_description).toContain('authorization_server_id');
  });

  it('validates a PATCH against the merged result', async () => {
    await adminCall(server, '/api/admin/default/clients', { json: { client_id: 'patchme', grant_types: ['client_credentials'] } });
    const bad = await adminCall(server, '/api/admin/default/clients/patchme', { method: 'PATCH', json: { token_endpoint_auth_method: 'none' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_client_metadata');
    expect(bad.json.error_description).toContain('client_credentials');
    // Switching to a certificate method drops the secret.
    const tls = await adminCall(server, '/api/admin/default/clients/patchme', { method: 'PATCH', json: { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'client.example.com' } });
    expect(tls.status, tls.text).toBe(200);
    expect((await server.runtime.store.clients.get({ tenantId: 'default', serverId: 'default' }, 'patchme'))?.secretHash).toBeNull();
  });
});
