import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('core smoke', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.createClient({ clientId: 'app', secret: 'app-secret-0123456789abcdef' });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('issues, introspects, revokes a client_credentials token', async () => {
    const token = await call(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', 'app-secret-0123456789abcdef'] });
    expect(token.status, token.text).toBe(200);
    const intro = await call(`${server.url}/oauth2/introspect`, { form: { token: token.json.access_token }, basic: ['admin', 'admin'] });
    expect(intro.json).toMatchObject({ active: true, client_id: 'app', scope: 'default' });
    const revoke = await call(`${server.url}/oauth2/revoke`, { form: { token: token.json.access_token }, basic: ['app', 'app-secret-0123456789abcdef'] });
    expect(revoke.status).toBe(200);
    const after = await call(`${server.url}/oauth2/introspect`, { form: { token: token.json.access_token }, basic: ['admin', 'admin'] });
    expect(after.json).toEqual({ active: false });
  });
});
