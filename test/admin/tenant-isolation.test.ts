import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../support/https-client.ts';
import type { TestServer } from '../support/test-server.ts';
import { adminCall, clientCredentials, SUPER_ADMIN, startAdminServer } from './admin-support.ts';

/**
 * Every server has its own clients, tokens and keys: nothing of one is accepted by another, whether
 * the other is in the same tenant or not, and whatever the token format.
 */
describe('admin API: tenant and server isolation over HTTPS', () => {
  let server: TestServer;
  const secret = 'isolation-secret-0123456789abcdef';

  beforeAll(async () => {
    server = await startAdminServer();
    for (const [tid, id, format] of [
      ['acme', 'a', 'jwt'],
      ['acme', 'b', 'jwt'],
      ['acme', 'oa', 'opaque'],
      ['acme', 'ob', 'opaque'],
      ['globex', 'a', 'jwt'],
    ] as const) {
      const created = await adminCall(server, `/api/admin/${tid}/servers`, { json: { id, name: `${tid} ${id}`, access_token_format: format } });
      expect(created.status, created.text).toBe(201);
    }
    for (const aid of ['a', 'oa']) {
      const client = await adminCall(server, '/api/admin/acme/clients', {
        json: { client_id: `client-${aid}`, client_secret: secret, authorization_server_id: aid, grant_types: ['client_credentials'] },
      });
      expect(client.status, client.text).toBe(201);
    }
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('a client of server A gets a token at A and nowhere else', async () => {
    expect((await clientCredentials(server, '/acme/a/oauth2', 'client-a', secret)).status).toBe(200);
    for (const other of ['/acme/b/oauth2', '/globex/a/oauth2', '/oauth2', '/default/default/oauth2']) {
      const refused = await clientCredentials(server, other, 'client-a', secret);
      expect(refused.status, `${other}: ${refused.text}`).toBe(401);
      expect(refused.json.error).toBe('invalid_client');
    }
  });

  for (const [a, b, format] of [
    ['a', 'b', 'jwt'],
    ['oa', 'ob', 'opaque'],
  ] as const) {
    it(`a ${format} token of server A is inactive at server B's introspection`, async () => {
      const token = await clientCredentials(server, `/acme/${a}/oauth2`, `client-${a}`, secret);
      expect(token.status, token.text).toBe(200);
      if (format === 'jwt') expect(token.json.access_token.split('.')).toHaveLength(3);
      else expect(token.json.access_token.split('.')).toHaveLength(1);
      const atA = await call(`${server.url}/acme/${a}/oauth2/introspect`, { form: { token: token.json.access_token }, basic: SUPER_ADMIN });
      expect(atA.json).toMatchObject({ active: true, client_id: `client-${a}` });
      for (const other of [`/acme/${b}`, '/globex/a', '']) {
        const atOther = await call(`${server.url}${other}/oauth2/introspect`, { form: { token: token.json.access_token }, basic: SUPER_ADMIN });
        expect(atOther.status, atOther.text).toBe(200);
        expect(atOther.json, other).toEqual({ active: false });
      }
    });
  }

  it('the same client_id may exist on two servers, each with its own secret', async () => {
    const other = 'another-secret-0123456789abcdefgh';
    const created = await adminCall(server, '/api/admin/acme/clients', {
      json: { client_id: 'client-a', client_secret: other, authorization_server_id: 'b', grant_types: ['client_credentials'] },
    });
    expect(created.status, created.text).toBe(201);
    expect((await clientCredentials(server, '/acme/b/oauth2', 'client-a', secret)).status).toBe(401);
    expect((await clientCredentials(server, '/acme/b/oauth2', 'client-a', other)).status).toBe(200);
    expect((await clientCredentials(server, '/acme/a/oauth2', 'client-a', other)).status).toBe(401);
    // The tenant-wide lookup must now be told which server is meant.
    const ambiguous = await adminCall(server, '/api/admin/acme/clients/client-a');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json.error_description).toContain('authorization_server_id');
    const onB = await adminCall(server, '/api/admin/acme/clients/client-a?authorization_server_id=b');
    expect(onB.json.authorization_server_id).toBe('b');
    const listB = await adminCall(server, '/api/admin/acme/clients?authorization_server_id=b');
    expect(listB.json.clients.map((c: { client_id: string }) => c.client_id)).toEqual(['client-a']);
    // Deleting it on B leaves A's alone.
    expect((await adminCall(server, '/api/admin/acme/clients/client-a?authorization_server_id=b', { method: 'DELETE' })).status).toBe(204);
    expect((await clientCredentials(server, '/acme/a/oauth2', 'client-a', secret)).status).toBe(200);
  });

  it('a tenant\'s admin view does not see another tenant\'s clients', async () => {
    const globex = await adminCall(server, '/api/admin/globex/clients');
    expect(globex.status).toBe(200);
    expect(globex.json.clients).toEqual([]);
    expect((await adminCall(server, '/api/admin/globex/clients/client-oa')).status).toBe(404);
  });

  it('each server publishes its own issuer and keys', async () => {
    const a = await call(`${server.url}/acme/a/.well-known/openid-configuration`);
    const b = await call(`${server.url}/acme/b/.well-known/openid-configuration`);
    expect(a.json.issuer).toMatch(/^https:\/\/[^/]+\/acme\/a$/);
    expect(a.json.issuer).not.toBe(b.json.issuer);
    expect(a.json.token_endpoint).toMatch(/\/acme\/a\/oauth2\/token$/);
    const jwksA = await call(a.json.jwks_uri.replace(/^https:\/\/[^/]+/, server.url));
    const jwksB = await call(b.json.jwks_uri.replace(/^https:\/\/[^/]+/, server.url));
    const kids = (jwks: { keys: { kid: string }[] }) => jwks.keys.map((k) => k.kid);
    expect(kids(jwksA.json).filter((k) => kids(jwksB.json).includes(k))).toEqual([]);
  });
});
