/**
 * The bundle as an operator sees it: discovery advertising both methods, the RFC 8705 §5 endpoint
 * alias listener, introspection and revocation authenticated by certificate, the audit line, and
 * the bundle switched off by `enable = false`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../../../test/support/https-client.ts';
import { type Issued, createCa, createLeaf, createSelfSigned } from '../../../test/support/pki.ts';
import { type TestServer, startTestServer } from '../../../test/support/test-server.ts';
import { COMPONENT, ENABLE, WSO2_NAME, expectInvalidClient, expectRefused, expectToken, freePort, lastFailureReason, token } from './mtls-kit.ts';

const METHODS = ['tls_client_auth', 'self_signed_tls_client_auth'];

describe('mutual-TLS client authentication switched on', () => {
  let root: Issued;
  let leaf: Issued;
  let selfSigned: Issued;
  let aliasPort: number;
  let server: TestServer;

  beforeAll(async () => {
    root = await createCa({ subject: 'CN=Discovery Root' });
    leaf = await createLeaf({ issuer: root, subject: 'CN=alias-client' });
    selfSigned = await createSelfSigned({ subject: 'CN=alias-self', keyAlg: 'EC' });
    aliasPort = await freePort();
    server = await startTestServer({
      files: { 'anchors.pem': root.certPem },
      toml: `${ENABLE}
[oauth.mutualtls]
trust_anchors = "anchors.pem"
endpoint_alias_port = ${aliasPort}
`,
    });
    await server.createClient({ clientId: 'pki', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=alias-client' });
    await server.createClient({ clientId: 'self', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [selfSigned.certPem] });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it.each(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'])('advertises both methods in %s', async (path) => {
    const res = await call(`${server.url}${path}`);
    expect(res.status).toBe(200);
    for (const member of ['token_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported']) {
      expect(res.json[member], member).toEqual(expect.arrayContaining(METHODS));
      expect(new Set(res.json[member]).size, `${member} without duplicates`).toBe(res.json[member].length);
    }
    // Certificate-bound tokens are the binding bundle's to announce, not this one's.
    expect(res.json.tls_client_certificate_bound_access_tokens).toBeUndefined();
  });

  it('advertises mtls_endpoint_aliases on the alias port (RFC 8705 §5)', async () => {
    const res = await call(`${server.url}/.well-known/openid-configuration`);
    const aliases = res.json.mtls_endpoint_aliases;
    expect(aliases.token_endpoint).toMatch(new RegExp(`^https://[^/]+:${aliasPort}/oauth2/token$`));
    expect(aliases.introspection_endpoint).toMatch(new RegExp(`:${aliasPort}/oauth2/introspect$`));
    expect(aliases.revocation_endpoint).toMatch(new RegExp(`:${aliasPort}/oauth2/revoke$`));
    expect(res.json.token_endpoint).not.toContain(`:${aliasPort}/`);
  });

  it('authenticates both methods at the alias token endpoint', async () => {
    const url = `https://localhost:${aliasPort}/oauth2/token`;
    expectToken(await token(server, { url, clientId: 'pki', as: leaf }));
    expectToken(await token(server, { url, clientId: 'self', as: selfSigned }));
    expectRefused(server, await token(server, { url, clientId: 'pki', as: selfSigned }), 'pki', 'untrusted chain');
    expectRefused(server, await token(server, { url, clientId: 'self' }), 'self', 'no certificate presented');
  });

  it('authenticates the client at introspection and revocation too', async () => {
    const issued = await token(server, { clientId: 'pki', as: leaf });
    expectToken(issued);
    const introspected = await call(`${server.url}/oauth2/introspect`, { form: { token: issued.json.access_token, client_id: 'pki' }, cert: leaf.certPem, key: leaf.keyPem });
    expect(introspected.status, introspected.text).toBe(200);
    expect(introspected.json.active).toBe(true);
    expectInvalidClient(await call(`${server.url}/oauth2/introspect`, { form: { token: issued.json.access_token, client_id: 'pki' }, cert: selfSigned.certPem, key: selfSigned.keyPem }));

    const revoked = await call(`https://localhost:${aliasPort}/oauth2/revoke`, { form: { token: issued.json.access_token, client_id: 'pki' }, cert: leaf.certPem, key: leaf.keyPem });
    expect(revoked.status, revoked.text).toBe(200);
    const after = await call(`${server.url}/oauth2/introspect`, { form: { token: issued.json.access_token, client_id: 'pki' }, cert: leaf.certPem, key: leaf.keyPem });
    expect(after.json.active).toBe(false);
  });

  it('writes the failure reason on the audit log line, and only there', async () => {
    const stranger = await createLeaf({ issuer: root, subject: 'CN=someone-else' });
    const res = await token(server, { clientId: 'pki', as: stranger });
    expectInvalidClient(res);
    const line = server.logs.filter((l) => l.includes('"client.authentication.failed"') && l.includes('"clientId":"pki"')).at(-1);
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({
      msg: 'client.authentication.failed',
      audit: { type: 'client.authentication.failed', clientId: 'pki', method: 'tls_client_auth', reason: 'subject DN mismatch' },
    });
    expect(res.text).not.toContain('DN');
    expect(res.text).not.toContain('alias-client');
  });

  it('lists the component as enabled with its default order', () => {
    const bundle = server.running.plugins.bundles.find((b) => b.name === 'mutual-tls-client-authenticator');
    expect(bundle?.status).toBe('active');
    expect(bundle?.components).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: COMPONENT, enabled: true, order: 158, aliases: [WSO2_NAME] }),
        expect.objectContaining({ name: 'tessera.mtls.MutualTLSClientAuthMetadata', enabled: true }),
      ]),
    );
  });
});

describe.each([
  ['its Tessera name', COMPONENT],
  ['the WSO2 class name', WSO2_NAME],
])('mutual-TLS client authentication switched off by enable = false under %s', (_label, name) => {
  let root: Issued;
  let leaf: Issued;
  let selfSigned: Issued;
  let server: TestServer;

  beforeAll(async () => {
    root = await createCa({ subject: 'CN=Switched Off Root' });
    leaf = await createLeaf({ issuer: root, subject: 'CN=off-client' });
    selfSigned = await createSelfSigned({ subject: 'CN=off-self', keyAlg: 'EC' });
    server = await startTestServer({
      files: { 'anchors.pem': root.certPem },
      toml: `
[[event_listener]]
id = "custom_event_listener"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityMessageHandler"
name = "${name}"
order = 158
enable = false

[oauth.mutualtls]
trust_anchors = "anchors.pem"
`,
    });
    await server.createClient({ clientId: 'pki', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=off-client' });
    await server.createClient({ clientId: 'wso2', secret: 'wso2-secret-0123456789', certificates: [selfSigned.certPem] });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('refuses a tls_client_auth client', async () => {
    const res = await token(server, { clientId: 'pki', as: leaf });
    expectInvalidClient(res);
    expect(lastFailureReason(server, 'pki')).toMatch(/no enabled authenticator implements tls_client_auth/);
  });

  it('no longer authenticates a WSO2 client by its certificate', async () => {
    expectRefused(server, await token(server, { clientId: 'wso2', as: selfSigned }), 'wso2', 'no credentials this client can use');
  });

  it('no longer advertises the methods', async () => {
    const res = await call(`${server.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    for (const member of ['token_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported']) {
      for (const method of METHODS) expect(res.json[member], member).not.toContain(method);
    }
    expect(res.json.token_endpoint_auth_methods_supported).toContain('client_secret_basic');
  });

  it('reports the components as not enabled', () => {
    const bundle = server.running.plugins.bundles.find((b) => b.name === 'mutual-tls-client-authenticator');
    expect(bundle?.components.every((c) => !c.enabled)).toBe(true);
  });
});

describe('mutual-TLS client authentication not named in deployment.toml', () => {
  it('stays off: a dropped-in bundle changes nothing until it is enabled', async () => {
    const server = await startTestServer();
    try {
      const res = await call(`${server.url}/.well-known/openid-configuration`);
      expect(res.json.token_endpoint_auth_methods_supported).not.toContain('tls_client_auth');
    } finally {
      await closeClients();
      await server.dispose();
    }
  });
});
