import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const SECRET = 'introspect-secret-0123456789abcdef';

describe('introspection with the super admin\'s Basic credentials (the WSO2 guide\'s way)', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({ toml: '[limits]\nlogin_max_attempts = 3\n' });
    await server.createClient({ clientId: 'app', secret: SECRET });
    token = (await call(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] })).json.access_token;
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('serves many parallel calls: correct credentials never count against the login lockout', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => call(`${server.url}/oauth2/introspect`, { form: { token }, basic: ['admin', 'admin'] })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.every((a) => a.json.active === true)).toBe(true);
  });

  it('still refuses a wrong password, and a cached success never vouches for another password', async () => {
    const wrong = await call(`${server.url}/oauth2/introspect`, { form: { token }, basic: ['admin', 'not-the-password'] });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toBe('invalid_client');
  });
});
