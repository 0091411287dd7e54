/** `[oauth.mutualtls] bind_all_access_tokens = true`: every client presenting a certificate gets bound tokens. */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { closeClients } from '../../../test/support/https-client.ts';
import type { Issued } from '../../../test/support/pki.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { SECRET, TESSERA_GRANT_HANDLERS, clientCertificate, expectBound, expectInvalidGrant, expectUnbound, tokenCall } from './support/fixtures.ts';

describe('bind_all_access_tokens', () => {
  let server: TestServer;
  let cert: Issued;

  beforeAll(async () => {
    cert = await clientCertificate('any-client');
    server = await startTestServer({ toml: `${TESSERA_GRANT_HANDLERS}\n[oauth.mutualtls]\nbind_all_access_tokens = true\nclient_certificate_header = "x-client-cert"\n` });
    await server.createClient({ clientId: 'plain-app', secret: SECRET });
    await server.createClient({ clientId: 'public-plain', tokenEndpointAuthMethod: 'none' });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('binds a client that did not ask, when it presents a certificate', async () => {
    await expectBound(server, 'jwt', await tokenCall(server, { grant_type: 'client_credentials' }, { cert, basic: ['plain-app', SECRET] }), cert);
    await expectBound(server, 'jwt', await tokenCall(server, { grant_type: 'password', username: 'admin', password: 'admin', client_id: 'public-plain' }, { cert }), cert);
  });

  it('issues an unbound token to a client that presents none (binding is not required of it)', async () => {
    await expectUnbound(server, 'jwt', await tokenCall(server, { grant_type: 'client_credentials' }, { basic: ['plain-app', SECRET] }));
  });

  it('refuses rather than silently dropping a certificate the client tried to present', async () => {
    expectInvalidGrant(await tokenCall(server, { grant_type: 'client_credentials' }, { basic: ['plain-app', SECRET], headers: { 'x-client-cert': 'garbage' } }));
  });
});
