/**
 * Every grant through the binding handlers over real TLS, for JWT and opaque access tokens: bound,
 * not bound, binding required without a certificate; refresh with the same, another and no
 * certificate for a public and a confidential client. The clients authenticate with a secret or as
 * public clients (`none`) while presenting a certificate: binding does not depend on mTLS client auth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize } from '../../../test/support/authorization-flow.ts';
import { closeClients } from '../../../test/support/https-client.ts';
import type { Issued } from '../../../test/support/pki.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import {
  REDIRECT_URI,
  SECRET,
  TESSERA_GRANT_HANDLERS,
  WSO2_GRANT_HANDLERS,
  clientCertificate,
  expectBound,
  expectInvalidGrant,
  expectUnbound,
  refreshConfirmation,
  thumbprintOf,
  tokenCall,
  type Format,
} from './support/fixtures.ts';

let certA: Issued; // bound-app's and public-app's certificate
let certB: Issued; // other-app's certificate
let certC: Issued; // someone else's

beforeAll(async () => {
  [certA, certB, certC] = await Promise.all([clientCertificate('client-a'), clientCertificate('client-b'), clientCertificate('intruder')]);
});
afterAll(() => closeClients());

describe.each([
  // The WSO2 guide's blocks pasted unchanged, and Tessera's own names.
  { format: 'jwt' as Format, handlers: WSO2_GRANT_HANDLERS },
  { format: 'opaque' as Format, handlers: TESSERA_GRANT_HANDLERS },
])('binding grant handlers, $format access tokens', ({ format, handlers }) => {
  let server: TestServer;
  const basic = (id: string): [string, string] => [id, SECRET];

  beforeAll(async () => {
    server = await startTestServer({ toml: `[oauth]\naccess_token_format = "${format}"\n${handlers}` });
    await server.createClient({ clientId: 'bound-app', secret: SECRET, tlsClientCertificateBoundAccessTokens: true });
    await server.createClient({ clientId: 'other-app', secret: SECRET, tlsClientCertificateBoundAccessTokens: true });
    await server.createClient({ clientId: 'plain-app', secret: SECRET });
    await server.createClient({ clientId: 'public-app', tokenEndpointAuthMethod: 'none', tlsClientCertificateBoundAccessTokens: true });
    await server.createClient({ clientId: 'public-plain', tokenEndpointAuthMethod: 'none' });
    // The WSO2 flow: a registered application certificate and no registered method.
    await server.createClient({ clientId: 'wso2-app', secret: SECRET, certificates: [certA.certPem] });
  });
  afterAll(() => server.dispose());

  describe('client_credentials', () => {
    it('binds to the presented certificate when the client asks for bound tokens', async () => {
      await expectBound(server, format, await tokenCall(server, { grant_type: 'client_credentials' }, { cert: certA, basic: basic('bound-app') }), certA);
    });

    it('does not bind for a client that does not ask, although it presents a certificate', async () => {
      await expectUnbound(server, format, await tokenCall(server, { grant_type: 'client_credentials' }, { cert: certA, basic: basic('plain-app') }));
    });

    it('refuses with invalid_grant, not an unbound token, when binding is required and no certificate comes', async () => {
      const response = await tokenCall(server, { grant_type: 'client_credentials' }, { basic: basic('bound-app') });
      expectInvalidGrant(response);
      expect(response.json.error_description).toMatch(/certificate/);
    });

    it('binds for a client with a registered certificate and no method (WSO2 compatibility)', async () => {
      await expectBound(server, format, await tokenCall(server, { grant_type: 'client_credentials' }, { cert: certA, basic: basic('wso2-app') }), certA);
    });

    it('binds a client_secret_post client too', async () => {
      const response = await tokenCall(server, { grant_type: 'client_credentials', client_id: 'bound-app', client_secret: SECRET }, { cert: certB });
      await expectBound(server, format, response, certB);
    });
  });

  describe('password', () => {
    const login = { grant_type: 'password', username: 'admin', password: 'admin', scope: 'openid' };

    it('binds the access token of a confidential client; its refresh token stays bound to the client', async () => {
      const response = await tokenCall(server, login, { cert: certA, basic: basic('bound-app') });
      await expectBound(server, format, response, certA);
      expect(await refreshConfirmation(server, response.json.refresh_token)).toBeNull();
    });

    it('binds both tokens of a public client (RFC 8705 §4)', async () => {
      const response = await tokenCall(server, { ...login, client_id: 'public-app' }, { cert: certA });
      await expectBound(server, format, response, certA);
      expect(await refreshConfirmation(server, response.json.refresh_token)).toEqual({ 'x5t#S256': thumbprintOf(certA.der) });
    });

    it('does not bind for a client that does not ask', async () => {
      await expectUnbound(server, format, await tokenCall(server, login, { cert: certA, basic: basic('plain-app') }));
    });

    it('refuses a client that requires binding and presents no certificate', async () => {
      expectInvalidGrant(await tokenCall(server, login, { basic: basic('bound-app') }));
      expectInvalidGrant(await tokenCall(server, { ...login, client_id: 'public-app' }));
    });
  });

  describe('authorization_code', () => {
    const redeem = (code: string, extra: Record<string, string> = {}) => ({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, ...extra });

    it('binds a confidential client', async () => {
      const { code } = await authorize(server.url, { clientId: 'bound-app', scope: 'openid' });
      await expectBound(server, format, await tokenCall(server, redeem(code!), { cert: certA, basic: basic('bound-app') }), certA);
    });

    it('binds a public client using PKCE, access and refresh token', async () => {
      const { code, codeVerifier } = await authorize(server.url, { clientId: 'public-app', scope: 'openid', pkce: true });
      const response = await tokenCall(server, redeem(code!, { client_id: 'public-app', code_verifier: codeVerifier! }), { cert: certA });
      await expectBound(server, format, response, certA);
      expect(await refreshConfirmation(server, response.json.refresh_token)).toEqual({ 'x5t#S256': thumbprintOf(certA.der) });
    });

    it('does not bind for a client that does not ask', async () => {
      const { code } = await authorize(server.url, { clientId: 'plain-app' });
      await expectUnbound(server, format, await tokenCall(server, redeem(code!), { cert: certA, basic: basic('plain-app') }));
    });

    it('refuses a required binding without a certificate before the code is spent', async () => {
      const { code } = await authorize(server.url, { clientId: 'bound-app' });
      expectInvalidGrant(await tokenCall(server, redeem(code!), { basic: basic('bound-app') }));
      // The refusal came before the core redeemed the code: with the certificate it still works.
      await expectBound(server, format, await tokenCall(server, redeem(code!), { cert: certA, basic: basic('bound-app') }), certA);
    });

    it('redeems a code only for its own client; each client is bound to its own certificate', async () => {
      const first = await authorize(server.url, { clientId: 'bound-app' });
      const second = await authorize(server.url, { clientId: 'other-app' });
      // other-app, with its own credentials and certificate, cannot redeem bound-app's code.
      const stolen = await tokenCall(server, redeem(first.code!), { cert: certB, basic: basic('other-app') });
      expectInvalidGrant(stolen);
      await expectBound(server, format, await tokenCall(server, redeem(second.code!), { cert: certB, basic: basic('other-app') }), certB);
    });
  });

  describe('refresh_token', () => {
    const refresh = (token: string, extra: Record<string, string> = {}) => ({ grant_type: 'refresh_token', refresh_token: token, ...extra });

    it('public client: refreshes only with the certificate its refresh token is bound to', async () => {
      const { code, codeVerifier } = await authorize(server.url, { clientId: 'public-app', pkce: true });
      const issued = await tokenCall(server, { grant_type: 'authorization_code', code: code!, redirect_uri: REDIRECT_URI, client_id: 'public-app', code_verifier: codeVerifier! }, { cert: certA });
      const token: string = issued.json.refresh_token;
      const form = refresh(token, { client_id: 'public-app' });

      expectInvalidGrant(await tokenCall(server, form, { cert: certC }));
      expectInvalidGrant(await tokenCall(server, form));
      // Refused attempts did not spend the token: its holder still refreshes.
      const renewed = await tokenCall(server, form, { cert: certA });
      await expectBound(server, format, renewed, certA);
      expect(await refreshConfirmation(server, renewed.json.refresh_token)).toEqual({ 'x5t#S256': thumbprintOf(certA.der) });
      // Rotation: the old one is spent.
      expectInvalidGrant(await tokenCall(server, form, { cert: certA }));
    });

    it('public client that does not ask for binding: unbound refresh token, unbound tokens', async () => {
      const issued = await tokenCall(server, { grant_type: 'password', username: 'admin', password: 'admin', client_id: 'public-plain' }, { cert: certA });
      await expectUnbound(server, format, issued);
      expect(await refreshConfirmation(server, issued.json.refresh_token)).toBeNull();
      await expectUnbound(server, format, await tokenCall(server, refresh(issued.json.refresh_token, { client_id: 'public-plain' })));
    });

    it('confidential client: needs a certificate; the new token is bound to the one presented', async () => {
      const issued = await tokenCall(server, { grant_type: 'password', username: 'admin', password: 'admin' }, { cert: certA, basic: basic('bound-app') });
      let token: string = issued.json.refresh_token;

      expectInvalidGrant(await tokenCall(server, refresh(token), { basic: basic('bound-app') }));
      const same = await tokenCall(server, refresh(token), { cert: certA, basic: basic('bound-app') });
      await expectBound(server, format, same, certA);
      token = same.json.refresh_token;
      // Its refresh token is bound to the client, which authenticates: a rotated certificate is
      // accepted (RFC 8705 §4) and the new access token is bound to it.
      const rotated = await tokenCall(server, refresh(token), { cert: certC, basic: basic('bound-app') });
      await expectBound(server, format, rotated, certC);
    });

    it('confidential client that does not ask for binding: unbound with or without a certificate', async () => {
      const issued = await tokenCall(server, { grant_type: 'password', username: 'admin', password: 'admin' }, { basic: basic('plain-app') });
      const withCert = await tokenCall(server, refresh(issued.json.refresh_token), { cert: certA, basic: basic('plain-app') });
      await expectUnbound(server, format, withCert);
      await expectUnbound(server, format, await tokenCall(server, refresh(withCert.json.refresh_token), { basic: basic('plain-app') }));
    });

    it("leaves another client's refresh token to the core's own refusal", async () => {
      const issued = await tokenCall(server, { grant_type: 'password', username: 'admin', password: 'admin', client_id: 'public-app' }, { cert: certA });
      expectInvalidGrant(await tokenCall(server, refresh(issued.json.refresh_token), { cert: certA, basic: basic('bound-app') }));
    });
  });
});
