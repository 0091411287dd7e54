/**
 * RFC 8705 §3.2 introspection output with the WSO2 guide's `[[event_listener]]` entries pasted
 * unchanged, for JWT and opaque access tokens: `cnf` for an active bound token, nothing for unbound
 * or inactive ones, no certificate thumbprint as a scope, WSO2's member name only on request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../../../test/support/https-client.ts';
import type { Issued } from '../../../test/support/pki.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import {
  SECRET,
  WSO2_GRANT_HANDLERS,
  WSO2_INTROSPECTION_LISTENERS,
  clientCertificate,
  introspect,
  thumbprintOf,
  tokenCall,
  type Format,
} from '../../mtls-token-binding/test/support/fixtures.ts';

let cert: Issued;
beforeAll(async () => {
  cert = await clientCertificate('client-a');
});
afterAll(() => closeClients());

describe.each(['jwt', 'opaque'] as Format[])('introspection of %s access tokens', (format) => {
  let server: TestServer;
  const issue = async (client: string, extra: Record<string, string> = {}, withCert = true) => {
    const response = await tokenCall(server, { grant_type: 'client_credentials', ...extra }, { basic: [client, SECRET], ...(withCert ? { cert } : {}) });
    expect(response.status, response.text).toBe(200);
    return response.json.access_token as string;
  };

  beforeAll(async () => {
    server = await startTestServer({ toml: `[oauth]\naccess_token_format = "${format}"\n${WSO2_GRANT_HANDLERS}\n${WSO2_INTROSPECTION_LISTENERS}` });
    await server.createClient({ clientId: 'bound-app', secret: SECRET, tlsClientCertificateBoundAccessTokens: true });
    await server.createClient({ clientId: 'plain-app', secret: SECRET });
    // Registered with thumbprint-shaped scopes: only registered scopes are ever granted.
    const thumbprint = thumbprintOf(cert.der);
    await server.createClient({ clientId: 'bound-scoped', secret: SECRET, tlsClientCertificateBoundAccessTokens: true, scopes: ['read', thumbprint, `x5t#SHA256:${thumbprint}`, 'write'] });
  });
  afterAll(() => server.dispose());

  it('shows cnf x5t#S256 of an active bound token, and only the RFC 8705 member', async () => {
    const response = await introspect(server, await issue('bound-app'));
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ active: true, client_id: 'bound-app', scope: 'default', token_type: 'Bearer' });
    expect(response.json.cnf).toEqual({ 'x5t#S256': thumbprintOf(cert.der) });
  });

  it('adds nothing for an unbound token', async () => {
    const response = await introspect(server, await issue('plain-app'));
    expect(response.json.active).toBe(true);
    expect(response.json).not.toHaveProperty('cnf');
  });

  it('an inactive token is only {"active": false}: revoked, or unknown', async () => {
    const token = await issue('bound-app');
    expect((await call(`${server.url}/oauth2/revoke`, { form: { token }, basic: ['bound-app', SECRET] })).status).toBe(200);
    expect((await introspect(server, token)).json).toEqual({ active: false });
    expect((await introspect(server, 'no-such-token')).json).toEqual({ active: false });
  });

  it('never shows a certificate thumbprint as a scope (its own, or WSO2\'s hidden x5t#SHA256:<thumbprint>)', async () => {
    const thumbprint = thumbprintOf(cert.der);
    const token = await issue('bound-scoped', { scope: `read ${thumbprint} x5t#SHA256:${thumbprint} write` });
    const response = await introspect(server, token);
    expect(response.json.scope).toBe('read write');
    expect(JSON.stringify(response.json.scope)).not.toContain(thumbprint);
    expect(response.json.cnf).toEqual({ 'x5t#S256': thumbprint });
  });

  it('is also available to an authenticated client (not only the admin)', async () => {
    const token = await issue('bound-app');
    const response = await call(`${server.url}/oauth2/introspect`, { form: { token }, basic: ['plain-app', SECRET] });
    expect(response.status, response.text).toBe(200);
    expect(response.json.cnf).toEqual({ 'x5t#S256': thumbprintOf(cert.der) });
  });
});
