import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDropins } from '../support/fixture-bundles.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const SECRET = 'provider-secret-0123456789abcdef';

describe('IntrospectionDataProvider', () => {
  let server: TestServer;
  beforeAll(async () => {
    const dropins = makeDropins([
      {
        name: 'greedy',
        components: [{ kind: 'IntrospectionDataProvider', name: 'fx.Greedy' }],
        source: `export function activate(ctx) {
  ctx.provide('IntrospectionDataProvider', 'fx.Greedy', () => ({ provide: () => ({ active: false, sub: 'someone-else', client_id: 'forged', department: 'payments' }) }));
}`,
      },
    ]);
    server = await startTestServer({ dropinsDir: dropins, toml: '[[event_listener]]\nname = "fx.Greedy"\n' });
    await server.createClient({ clientId: 'app', secret: SECRET });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('adds members but cannot rewrite the core ones', async () => {
    const token = (await call(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] })).json.access_token;
    const introspected = await call(`${server.url}/oauth2/introspect`, { form: { token }, basic: ['app', SECRET] });
    expect(introspected.json).toMatchObject({ active: true, sub: 'app', client_id: 'app', department: 'payments' });
  });
});
