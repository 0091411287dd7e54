/**
 * deployment.toml decides what introspection shows, restarting only the server (same data folder,
 * same tokens): WSO2's legacy `x5t#SHA256` member by `[oauth.mutualtls] introspection_legacy_member`
 * or by the component property `legacy_member`; the bundle off (`enable = false`, or no entries)
 * → no `cnf`, although the token itself is still bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients } from '../../../test/support/https-client.ts';
import type { Issued } from '../../../test/support/pki.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import {
  SECRET,
  WSO2,
  WSO2_GRANT_HANDLERS,
  WSO2_INTROSPECTION_LISTENERS,
  clientCertificate,
  introspect,
  thumbprintOf,
  tokenCall,
} from '../../mtls-token-binding/test/support/fixtures.ts';

const FIXED_ISSUER = '[server]\npublic_url = "https://tessera.test"\n';
const TYPE = 'org.wso2.carbon.identity.core.handler.AbstractIdentityHandler';
const listener = (name: string, lines: string) => `[[event_listener]]\ntype = "${TYPE}"\nname = "${WSO2.introspection}.${name}"\n${lines}\n`;

describe('mtls-introspection configured by deployment.toml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-introspection-config-'));
  let server: TestServer | undefined;
  let cert: Issued;
  let thumbprint: string;
  let token: string;

  const restart = async (toml: string) => {
    await server?.stop();
    server = await startTestServer({ dir, toml: `${FIXED_ISSUER}${WSO2_GRANT_HANDLERS}\n${toml}` });
    return server;
  };

  beforeAll(async () => {
    cert = await clientCertificate('client-a');
    thumbprint = thumbprintOf(cert.der);
    const on = await restart(WSO2_INTROSPECTION_LISTENERS);
    await on.createClient({ clientId: 'bound-app', secret: SECRET, tlsClientCertificateBoundAccessTokens: true });
    const response = await tokenCall(on, { grant_type: 'client_credentials' }, { cert, basic: ['bound-app', SECRET] });
    expect(response.status, response.text).toBe(200);
    token = response.json.access_token;
    expect((await introspect(on, token)).json.cnf).toEqual({ 'x5t#S256': thumbprint });
  });
  afterAll(async () => {
    await closeClients();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('[oauth.mutualtls] introspection_legacy_member = true adds x5t#SHA256 next to x5t#S256', async () => {
    const s = await restart(`${WSO2_INTROSPECTION_LISTENERS}\n[oauth.mutualtls]\nintrospection_legacy_member = true\n`);
    expect((await introspect(s, token)).json.cnf).toEqual({ 'x5t#S256': thumbprint, 'x5t#SHA256': thumbprint });
  });

  it('the component property legacy_member = true does the same (a later entry overrides the pasted one)', async () => {
    const s = await restart(`${WSO2_INTROSPECTION_LISTENERS}\n${listener('IntrospectionResponseInterceptor', 'order = 27\n[event_listener.properties]\nlegacy_member = true')}`);
    expect((await introspect(s, token)).json.cnf).toEqual({ 'x5t#S256': thumbprint, 'x5t#SHA256': thumbprint });
  });

  it('legacy_member = "false" (WSO2 writes strings) switches it off again over the server-wide key', async () => {
    const s = await restart(
      `${listener('IntrospectionResponseInterceptor', 'order = 27\n[event_listener.properties]\nlegacy_member = "false"')}\n${listener('ISIntrospectionDataProvider', 'order = 28')}\n[oauth.mutualtls]\nintrospection_legacy_member = true\n`,
    );
    expect((await introspect(s, token)).json.cnf).toEqual({ 'x5t#S256': thumbprint });
  });

  it('enable = false on both entries: no cnf, though the token is still bound', async () => {
    const s = await restart(`${listener('IntrospectionResponseInterceptor', 'order = 27\nenable = false')}\n${listener('ISIntrospectionDataProvider', 'order = 28\nenable = false')}`);
    const response = await introspect(s, token);
    expect(response.json.active).toBe(true);
    expect(response.json).not.toHaveProperty('cnf');
    expect(decodeJwt(token).cnf).toEqual({ 'x5t#S256': thumbprint });
  });

  it('no entries at all: no cnf', async () => {
    const s = await restart('');
    const response = await introspect(s, token);
    expect(response.json.active).toBe(true);
    expect(response.json).not.toHaveProperty('cnf');
  });
});
