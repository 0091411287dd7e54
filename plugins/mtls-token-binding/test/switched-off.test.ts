/**
 * The bundle is switched by deployment.toml alone: the same data folder restarted without the
 * grant_handler lines, or with `[[event_listener]] enable = false` for each handler, issues unbound
 * tokens and drops the discovery flag. A client registered for certificate-bound tokens then gets
 * none at all (the core's invariant: server_error, logged), never an unbound one. A token bound while
 * the bundle was on is not silently accepted without its certificate check: the core refuses it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../../../test/support/https-client.ts';
import type { Issued } from '../../../test/support/pki.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { SECRET, WSO2, WSO2_GRANT_HANDLERS, clientCertificate, expectBound, expectUnbound, tokenCall } from './support/fixtures.ts';

const FIXED_ISSUER = '[server]\npublic_url = "https://tessera.test"\n';
const HANDLERS_DISABLED = ['AuthorizationCode', 'ClientCredentials', 'Refresh', 'Password']
  .map((grant) => `[[event_listener]]\nname = "${WSO2.handlers}.MTLSTokenBinding${grant}GrantHandler"\nenable = false\n`)
  .join('\n');

describe('mtls-token-binding switched off in deployment.toml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-binding-off-'));
  let server: TestServer | undefined;
  let cert: Issued;
  let boundToken: string;

  const restart = async (toml: string) => {
    await server?.stop();
    server = await startTestServer({ dir, toml: `${FIXED_ISSUER}${toml}` });
    return server;
  };
  const passwordToken = (s: TestServer, client = 'bound-app') =>
    tokenCall(s, { grant_type: 'password', username: 'admin', password: 'admin', scope: 'openid' }, { cert, basic: [client, SECRET] });
  /** The core refuses: server_error, a log line naming the invariant and the chain, no token kept. */
  const expectRefused = async (s: TestServer, response: Awaited<ReturnType<typeof tokenCall>>, chain: string) => {
    expect(response.status, response.text).toBe(500);
    expect(response.json).toMatchObject({ error: 'server_error' });
    expect(response.json.access_token).toBeUndefined();
    expect(s.logs.some((l) => l.includes('core invariant certificate-binding') && l.includes('bound-app') && l.includes(chain))).toBe(true);
  };
  const discovery = async (s: TestServer) => (await call(`${s.url}/.well-known/openid-configuration`)).json;

  beforeAll(async () => {
    cert = await clientCertificate('client-a');
    const on = await restart(WSO2_GRANT_HANDLERS);
    await on.createClient({ clientId: 'bound-app', secret: SECRET, tlsClientCertificateBoundAccessTokens: true });
    await on.createClient({ clientId: 'plain-app', secret: SECRET });
    const response = await passwordToken(on);
    await expectBound(on, 'jwt', response, cert);
    boundToken = response.json.access_token;
    expect((await discovery(on)).tls_client_certificate_bound_access_tokens).toBe(true);
  });
  afterAll(async () => {
    await closeClients();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without grant_handler lines: unbound tokens, no discovery flag; a client registered for binding gets no token', async () => {
    const off = await restart('');
    await expectUnbound(off, 'jwt', await passwordToken(off, 'plain-app'));
    await expectUnbound(off, 'jwt', await tokenCall(off, { grant_type: 'client_credentials' }, { cert, basic: ['plain-app', SECRET] }));
    await expectRefused(off, await passwordToken(off), 'tessera.core.PasswordGrantHandler');
    await expectRefused(off, await tokenCall(off, { grant_type: 'client_credentials' }, { cert, basic: ['bound-app', SECRET] }), 'tessera.core.ClientCredentialsGrantHandler');
    expect(await discovery(off)).not.toHaveProperty('tls_client_certificate_bound_access_tokens');
  });

  it('a token bound earlier fails closed at userinfo while nothing can check its certificate', async () => {
    const off = server!;
    const response = await call(`${off.url}/oauth2/userinfo`, { bearer: boundToken, cert: cert.certPem, key: cert.keyPem });
    expect(response.status).toBe(401);
    expect(response.json.error).toBe('invalid_token');
  });

  it('with the handlers named but each [[event_listener]] enable = false: unbound tokens, no discovery flag', async () => {
    const off = await restart(`${WSO2_GRANT_HANDLERS}\n${HANDLERS_DISABLED}`);
    await expectUnbound(off, 'jwt', await passwordToken(off, 'plain-app'));
    await expectRefused(off, await passwordToken(off), 'tessera.core.PasswordGrantHandler');
    expect(await discovery(off)).not.toHaveProperty('tls_client_certificate_bound_access_tokens');
  });

  it('switched back on: bound again, and the earlier token works with its certificate', async () => {
    const on = await restart(WSO2_GRANT_HANDLERS);
    await expectBound(on, 'jwt', await passwordToken(on), cert);
    const response = await call(`${on.url}/oauth2/userinfo`, { bearer: boundToken, cert: cert.certPem, key: cert.keyPem });
    expect(response.status, response.text).toBe(200);
  });
});
