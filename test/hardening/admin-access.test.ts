/**
 * The admin API (and admin introspection) is reachable only with the super admin's password or an
 * admin-scoped client token — on every listener. A client certificate alone, however valid and
 * whoever's it is, opens nothing (even with WSO2's mutual_ssl_authenticator switched on), whether it
 * arrives by TLS on the main or the mTLS alias port or forwarded by a trusted proxy to the HTTP port;
 * a token without the admin scope, a user's token with it, and a token in the query string do not
 * either. (admin-auth.test.ts covers the main port's Basic and bearer cases in detail.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { createSelfSigned, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectJsonRefusal, send } from './kit.ts';
import { freePort } from './tessera-process.ts';

const HEADER = 'x-client-cert';
const SECRET = 'admin-access-secret-0123456789abc';
const LISTENERS = ['https', 'mtls', 'http'] as const;

describe('admin API access on every listener', () => {
  let certificate: Issued;
  let server: TestServer;
  let adminToken: string;
  let plainToken: string;
  let userAdminToken: string;

  beforeAll(async () => {
    certificate = await createSelfSigned({ subject: 'CN=admin-client' });
    server = await startTestServer({
      mount: adminRoutes,
      toml: `
[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[oauth.mutualtls]
client_certificate_header = "${HEADER}"
endpoint_alias_port = ${await freePort()}

[transport.http]
enabled = true
port = 0

[admin_console.authenticator.mutual_ssl_authenticator]
enable = true

[logging]
level = "info"
`,
    });
    // A client that may hold the admin scope, authenticating by its certificate.
    await server.createClient({ clientId: 'ops', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [certificate.certPem], scopes: ['admin'], grantTypes: ['client_credentials'] });
    await server.createClient({ clientId: 'plain', secret: SECRET, grantTypes: ['client_credentials', 'password'] });
    await server.createClient({ clientId: 'scoped', secret: SECRET, scopes: ['admin', 'openid'], grantTypes: ['password'] });
    await server.runtime.users.create(DEFAULT_SERVER, { username: 'ursula', password: 'ursula-Passw0rd-adm' });
    const issue = async (options: Parameters<typeof send>[1]) => {
      const res = await send(`${server.url}/oauth2/token`, options);
      expect(res.status, res.text).toBe(200);
      return res.json.access_token as string;
    };
    adminToken = await issue({ form: { grant_type: 'client_credentials', client_id: 'ops', scope: 'admin' }, cert: certificate.certPem, key: certificate.keyPem });
    plainToken = await issue({ form: { grant_type: 'client_credentials' }, basic: ['plain', SECRET] });
    userAdminToken = await issue({ form: { grant_type: 'password', username: 'ursula', password: 'ursula-Passw0rd-adm', scope: 'admin' }, basic: ['scoped', SECRET] });
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  const clients = (name: (typeof LISTENERS)[number], options: Parameters<typeof send>[1] = {}) => send(`${server.listenerUrl(name)}/api/admin/default/clients`, options);
  const withCertificate = (name: (typeof LISTENERS)[number]) =>
    name === 'http' ? { headers: { [HEADER]: certificate.certPem.replace(/\n/g, '') } } : { cert: certificate.certPem, key: certificate.keyPem };

  it.each(LISTENERS)('%s: the super admin and an admin-scoped client token get in (the control)', async (name) => {
    expect((await clients(name, { basic: ['admin', 'admin'] })).status).toBe(200);
    expect((await clients(name, { bearer: adminToken })).status).toBe(200);
  });

  it.each(LISTENERS)('%s: a client certificate alone is 401, at the admin API and at introspection', async (name) => {
    const res = await clients(name, withCertificate(name));
    expectJsonRefusal(res, [401]);
    expect(String(res.headers['www-authenticate'])).toMatch(/Basic/);
    const intro = await send(`${server.listenerUrl(name)}/oauth2/introspect`, { form: { token: plainToken }, ...withCertificate(name) });
    expectJsonRefusal(intro, [401]);
  });

  it.each(LISTENERS)('%s: a certificate does not lift a token without the admin scope, nor a user\'s admin-scoped token', async (name) => {
    expectJsonRefusal(await clients(name, { bearer: plainToken, ...withCertificate(name) }), [403]);
    expectJsonRefusal(await clients(name, { bearer: userAdminToken, ...withCertificate(name) }), [403]);
  });

  it.each(LISTENERS)('%s: a token in the query string or in a form body is not an admin credential', async (name) => {
    expectJsonRefusal(await send(`${server.listenerUrl(name)}/api/admin/default/clients?access_token=${adminToken}`), [401]);
    expectJsonRefusal(await send(`${server.listenerUrl(name)}/api/admin/default/clients`, { method: 'POST', form: { access_token: adminToken } }), [401]);
  });
});
