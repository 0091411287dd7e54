/**
 * The forwarded certificate header is believed only from `[transport.http] trusted_proxies`, on
 * every listener: the main HTTPS port, the mTLS endpoint-alias port and the plain HTTP port. From
 * an untrusted address it is ignored (and logged) wherever it arrives — a spoofed header never
 * authenticates a client — while the same header from a trusted proxy is used on all three.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDropins } from '../support/fixture-bundles.ts';
import { createSelfSigned, thumbprintOf, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectJsonRefusal, send } from './kit.ts';
import { freePort } from './tessera-process.ts';

const HEADER = 'x-forwarded-client-cert';
const SECRET = 'header-listeners-secret-0123456789';

/** Wraps client_credentials and reports what the core certificate service saw. */
const echo = makeDropins([
  {
    name: 'echo',
    components: [{ kind: 'GrantHandler', name: 'fx.Echo', grantType: 'client_credentials' }],
    source: `
export function activate(ctx) {
  ctx.provide('GrantHandler', 'fx.Echo', ({ next }) => ({
    async handle(grant) {
      const seen = grant.request.clientCertificate;
      return { ...(await next.handle(grant)), seen: { source: seen.certificate?.source ?? null, thumbprint: seen.certificate?.thumbprint ?? null } };
    },
  }));
}`,
  },
]);

const LISTENERS = ['https', 'mtls', 'http'] as const;

describe('the certificate header on every listener', () => {
  let forwarded: Issued;
  let own: Issued;
  let trusting: TestServer;
  let distrusting: TestServer;

  const start = async (proxies: string) => {
    const server = await startTestServer({
      dropinsDir: echo,
      toml: `
[oauth.grant_type.client_credentials]
grant_handler = "fx.Echo"

[oauth.mutualtls]
client_certificate_header = "${HEADER}"
endpoint_alias_port = ${await freePort()}

[transport.http]
enabled = true
port = 0
trusted_proxies = ${proxies}

[logging]
level = "info"
`,
    });
    await server.createClient({ clientId: 'app', secret: SECRET });
    return server;
  };

  beforeAll(async () => {
    forwarded = await createSelfSigned({ subject: 'CN=forwarded' });
    own = await createSelfSigned({ subject: 'CN=connection-own' });
    trusting = await start('["127.0.0.0/8"]');
    distrusting = await start('["10.0.0.0/8", "fd00::/8"]');
  });
  afterAll(async () => {
    await closeAgents();
    await trusting.dispose();
    await distrusting.dispose();
  });

  const token = (server: TestServer, name: (typeof LISTENERS)[number], withOwnCertificate = false) =>
    send(`${server.listenerUrl(name)}/oauth2/token`, {
      form: { grant_type: 'client_credentials' },
      basic: ['app', SECRET],
      headers: { [HEADER]: encodeURIComponent(forwarded.certPem) },
      ...(withOwnCertificate && name !== 'http' ? { cert: own.certPem, key: own.keyPem } : {}),
    });

  it.each(LISTENERS)('%s: from an untrusted address the header is ignored and logged', async (name) => {
    const before = distrusting.logs.filter((l) => l.includes('certificate header from an untrusted address ignored')).length;
    const res = await token(distrusting, name);
    expect(res.status, res.text).toBe(200);
    expect(res.json.seen).toEqual({ source: null, thumbprint: null });
    expect(distrusting.logs.filter((l) => l.includes('certificate header from an untrusted address ignored')).length).toBeGreaterThan(before);
  });

  it.each(['https', 'mtls'] as const)('%s: from an untrusted address the connection\'s own certificate counts, not the header', async (name) => {
    const res = await token(distrusting, name, true);
    expect(res.json.seen).toEqual({ source: 'tls', thumbprint: thumbprintOf(own.der) });
  });

  it.each(LISTENERS)('%s: from a trusted proxy the header is used', async (name) => {
    const res = await token(trusting, name, true);
    expect(res.json.seen).toEqual({ source: 'header', thumbprint: thumbprintOf(forwarded.der) });
  });
});

describe('a spoofed header never authenticates, on any listener', () => {
  let registered: Issued;
  let server: TestServer;

  beforeAll(async () => {
    registered = await createSelfSigned({ subject: 'CN=spoof-target' });
    server = await startTestServer({
      toml: `
[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[oauth.mutualtls]
client_certificate_header = "${HEADER}"
endpoint_alias_port = ${await freePort()}

[transport.http]
enabled = true
port = 0
trusted_proxies = ["10.0.0.0/8"]

[logging]
level = "info"
`,
    });
    await server.createClient({ clientId: 'victim', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [registered.certPem] });
    // The WSO2 flow: registered certificates and no method.
    await server.createClient({ clientId: 'wso2-victim', certificates: [registered.certPem] });
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  it.each(LISTENERS)('%s', async (name) => {
    const url = server.listenerUrl(name);
    for (const clientId of ['victim', 'wso2-victim']) {
      const res = await send(`${url}/oauth2/token`, { form: { grant_type: 'client_credentials', client_id: clientId }, headers: { [HEADER]: registered.certPem.replace(/\n/g, '') } });
      expectJsonRefusal(res, [401]);
      expect(res.json.error).toBe('invalid_client');
    }
  });
});
