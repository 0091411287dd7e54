import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { call, closeClients } from '../support/https-client.ts';
import { createCa, createLeaf, type Issued } from '../support/pki.ts';
import type { TestServer } from '../support/test-server.ts';
import { adminCall, clientCredentials, startAdminServer } from './admin-support.ts';

const CHALLENGE = 'Basic realm="tessera-admin", Bearer';
/** The Cloudentity guide's Swagger client. */
const SWAGGER_SECRET = 'n8HF35qzZkmsukHJzzz9LnN8m9Mf97uq';
/** With the mTLS bundle built, the test certificate provably authenticates its client at the token endpoint. */
const MTLS_BUNDLE = existsSync(join(PROJECT_ROOT, 'dropins', 'mutual-tls-client-authenticator', 'plugin.json'));

describe('admin API authentication', () => {
  let server: TestServer;
  let ca: Issued;
  let leaf: Issued;
  beforeAll(async () => {
    ca = await createCa({ subject: 'CN=Admin Test CA' });
    leaf = await createLeaf({ issuer: ca, subject: 'CN=admin,O=Example' });
    server = await startAdminServer({
      files: { 'ca.pem': ca.certPem },
      toml: `
[transport.https]
clientAuth = "want"
truststore = "ca.pem"

[admin_console.authenticator.mutual_ssl_authenticator]
enable = true
${MTLS_BUNDLE ? '\n[[event_listener]]\nname = "tessera.mtls.MutualTLSClientAuthenticator"\n' : ''}`,
    });
    // As in the guide: the Swagger client is created through the API itself.
    const swagger = await adminCall(server, '/api/admin/default/clients', {
      json: { client_id: 'admin-swagger', client_secret: SWAGGER_SECRET, grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scopes: ['admin'] },
    });
    expect(swagger.status, swagger.text).toBe(201);
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  const expectUnauthorized = (res: Awaited<ReturnType<typeof call>>) => {
    expect(res.status, res.text).toBe(401);
    expect(res.headers['www-authenticate']).toBe(CHALLENGE);
    expect(res.json.error).toBeTruthy();
  };

  it('accepts the super admin\'s Basic credentials', async () => {
    const res = await call(`${server.url}/api/admin/default/clients`, { basic: ['admin', 'admin'] });
    expect(res.status).toBe(200);
  });

  it('refuses no credentials and a wrong password with a Basic and Bearer challenge', async () => {
    expectUnauthorized(await call(`${server.url}/api/admin/default/clients`));
    expectUnauthorized(await call(`${server.url}/api/admin/default/clients`, { basic: ['admin', 'wrong'] }));
    expectUnauthorized(await call(`${server.url}/api/admin/default/clients`, { basic: ['nobody', 'admin'] }));
    expectUnauthorized(await call(`${server.url}/api/admin/default/clients`, { headers: { authorization: 'Digest username="admin"' } }));
    // Also for writes, before any validation.
    expectUnauthorized(await call(`${server.url}/api/admin/default/clients`, { json: { client_id: 'sneaky' } }));
    expect(await server.runtime.store.clients.get({ tenantId: 'default', serverId: 'default' }, 'sneaky')).toBeNull();
  });

  it('never caches a failure: a right password after wrong ones works, a wrong one after a right one fails', async () => {
    expect((await call(`${server.url}/api/admin/default/servers`, { basic: ['admin', 'nope'] })).status).toBe(401);
    expect((await call(`${server.url}/api/admin/default/servers`, { basic: ['admin', 'admin'] })).status).toBe(200);
    expect((await call(`${server.url}/api/admin/default/servers`, { basic: ['admin', 'nope'] })).status).toBe(401);
    expect((await call(`${server.url}/api/admin/default/servers`, { basic: ['admin', 'admin'] })).status).toBe(200);
  });

  it('refuses a user who is not the super admin, even with the right password', async () => {
    await adminCall(server, '/api/admin/default/users', { json: { username: 'mallory', password: 'mallory-pw' } });
    expectUnauthorized(await call(`${server.url}/api/admin/default/clients`, { basic: ['mallory', 'mallory-pw'] }));
  });

  it('accepts a Bearer token with the admin scope from the default server\'s client_credentials (the guide\'s admin-swagger)', async () => {
    const token = await clientCredentials(server, '/oauth2', 'admin-swagger', SWAGGER_SECRET);
    expect(token.status, token.text).toBe(200);
    expect(token.json.scope).toBe('admin');
    const res = await call(`${server.url}/api/admin/default/clients`, { bearer: token.json.access_token });
    expect(res.status, res.text).toBe(200);
    // And it may write; the audit names the client.
    const created = await call(`${server.url}/api/admin/default/clients`, { bearer: token.json.access_token, json: { client_id: 'by-token', grant_types: ['client_credentials'] } });
    expect(created.status, created.text).toBe(201);
    expect(server.logs.some((l) => l.includes('"admin.changed"') && l.includes('client:admin-swagger'))).toBe(true);
  });

  it('answers 403 insufficient_scope to a valid token without the admin scope', async () => {
    const secret = 'plain-secret-0123456789abcdefghij';
    await adminCall(server, '/api/admin/default/clients', { json: { client_id: 'plain', client_secret: secret, grant_types: ['client_credentials'], scopes: ['read'] } });
    const token = await clientCredentials(server, '/oauth2', 'plain', secret);
    expect(token.status).toBe(200);
    const res = await call(`${server.url}/api/admin/default/clients`, { bearer: token.json.access_token });
    expect(res.status).toBe(403);
    expect(res.json.error).toBe('insufficient_scope');
    expect(res.headers['www-authenticate']).toContain('insufficient_scope');
  });

  it('refuses an invalid, revoked or foreign token, and the token of a deleted client', async () => {
    expectUnauthorized(await call(`${server.url}/api/admin/default/clients`, { bearer: 'not-a-real-token' }));

    const token = await clientCredentials(server, '/oauth2', 'admin-swagger', SWAGGER_SECRET);
    await call(`${server.url}/oauth2/revoke`, { form: { token: token.json.access_token }, basic: ['admin-swagger', SWAGGER_SECRET] });
    expectUnauthorized(await call(`${server.url}/api/admin/default/clients`, { bearer: token.json.access_token }));

    // An admin-scoped token from another server grants nothing.
    await adminCall(server, '/api/admin/other/servers', { json: { id: 'x', name: 'Other' } });
    const secret = 'foreign-secret-0123456789abcdefgh';
    await adminCall(server, '/api/admin/other/clients', { json: { client_id: 'foreign', client_secret: secret, authorization_server_id: 'x', grant_types: ['client_credentials'], scopes: ['admin'] } });
    const foreign = await clientCredentials(server, '/other/x/oauth2', 'foreign', secret);
    expect(foreign.json.scope).toBe('admin');
    expectUnauthorized(await call(`${server.url}/api/admin/default/clients`, { bearer: foreign.json.access_token }));

    const doomedSecret = 'doomed-secret-0123456789abcdefgh';
    await adminCall(server, '/api/admin/default/clients', { json: { client_id: 'doomed-admin', client_secret: doomedSecret, grant_types: ['client_credentials'], scopes: ['admin'] } });
    const doomed = await clientCredentials(server, '/oauth2', 'doomed-admin', doomedSecret);
    expect((await call(`${server.url}/api/admin/default/servers`, { bearer: doomed.json.access_token })).status).toBe(200);
    await adminCall(server, '/api/admin/default/clients/doomed-admin', { method: 'DELETE' });
    expectUnauthorized(await call(`${server.url}/api/admin/default/servers`, { bearer: doomed.json.access_token }));
  });

  it('refuses an admin-scoped token of a client not registered with the admin scope', async () => {
    // A client registered without scopes is never granted admin (security review #15 item 6).
    const secret = 'unscoped-secret-0123456789abcdefg';
    await adminCall(server, '/api/admin/default/clients', { json: { client_id: 'unscoped', client_secret: secret, grant_types: ['client_credentials'] } });
    const token = await clientCredentials(server, '/oauth2', 'unscoped', secret, 'admin');
    expect(token.status, token.text).toBe(400);
    expect(token.json.error).toBe('invalid_scope');

    // Taking the scope away from a registered admin client withdraws its rights at once.
    const adminSecret = 'demoted-secret-0123456789abcdefgh';
    await adminCall(server, '/api/admin/default/clients', { json: { client_id: 'demoted', client_secret: adminSecret, grant_types: ['client_credentials'], scopes: ['admin'] } });
    const adminToken = await clientCredentials(server, '/oauth2', 'demoted', adminSecret);
    expect((await call(`${server.url}/api/admin/default/servers`, { bearer: adminToken.json.access_token })).status).toBe(200);
    await adminCall(server, '/api/admin/default/clients/demoted', { method: 'PATCH', json: { scopes: ['read'] } });
    expect((await call(`${server.url}/api/admin/default/servers`, { bearer: adminToken.json.access_token })).status).toBe(403);
  });

  it('refuses an admin-scoped token issued on behalf of a user', async () => {
    const secret = 'ropc-admin-secret-0123456789abcdef';
    await adminCall(server, '/api/admin/default/clients', { json: { client_id: 'ropc-admin', client_secret: secret, grant_types: ['password'], scopes: ['admin'] } });
    await adminCall(server, '/api/admin/default/users', { json: { username: 'eve', password: 'eve-pw' } });
    const token = await call(`${server.url}/oauth2/token`, { form: { grant_type: 'password', username: 'eve', password: 'eve-pw', scope: 'admin' }, basic: ['ropc-admin', secret] });
    expect(token.status, token.text).toBe(200);
    const res = await call(`${server.url}/api/admin/default/clients`, { bearer: token.json.access_token });
    expect(res.status).toBe(403);
  });

  it('a valid client certificate alone never grants admin rights (mutual_ssl_authenticator enable = true is ignored)', async () => {
    expect(server.runtime.config.admin_console.authenticator.mutual_ssl_authenticator.enable).toBe(true);
    // The certificate is a real, registered mTLS client's.
    await adminCall(server, '/api/admin/default/clients', {
      json: { client_id: 'mtls-admin', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=admin,O=Example', grant_types: ['client_credentials'], scopes: ['admin'] },
    });
    const token = await call(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: 'mtls-admin' }, cert: leaf.certPem, key: leaf.keyPem });
    // The certificate authenticates the client at the token endpoint (when the mTLS bundle is in dropins/)...
    if (MTLS_BUNDLE) expect(token.status, token.text).toBe(200);
    // ...but is no admin credential.
    const res = await call(`${server.url}/api/admin/default/clients`, { cert: leaf.certPem, key: leaf.keyPem });
    expectUnauthorized(res);
    const write = await call(`${server.url}/api/admin/default/servers`, { cert: leaf.certPem, key: leaf.keyPem, json: { id: 'evil', name: 'x' } });
    expectUnauthorized(write);
    expect(await server.runtime.store.servers.get({ tenantId: 'default', serverId: 'evil' })).toBeNull();
    // With the super admin's credentials the same connection works: the certificate neither helps nor hurts.
    expect((await call(`${server.url}/api/admin/default/clients`, { cert: leaf.certPem, key: leaf.keyPem, basic: ['admin', 'admin'] })).status).toBe(200);
  });

  it('leaves the OpenAPI document and Swagger UI public (they hold no data)', async () => {
    expect((await call(`${server.url}/api/openapi.json`)).status).toBe(200);
    expect((await call(`${server.url}/api/swagger/default`)).status).toBe(200);
  });
});
