/**
 * The resource-server helpers of the bundle, used as a resource server would: a tiny Hono app on its
 * own HTTPS port asking for client certificates, validating Tessera's tokens by JWT signature or by
 * introspection, and a plain Node https server using the framework-free function.
 */
import type { AddressInfo } from 'node:net';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../../../test/support/https-client.ts';
import type { Issued } from '../../../test/support/pki.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import {
  bearerChallenge,
  bearerToken,
  certificateBoundToken,
  checkCertificateBinding,
  verifyCertificateBinding,
  type TokenClaims,
  type TokenClaimsEnv,
} from '../src/resource-server-middleware.ts';
import { SECRET, WSO2_GRANT_HANDLERS, WSO2_INTROSPECTION_LISTENERS, clientCertificate, introspect, thumbprintOf, tokenCall } from './support/fixtures.ts';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://localhost:${(server.address() as AddressInfo).port}`;
}

describe('resource-server middleware', () => {
  let tessera: TestServer;
  let certA: Issued;
  let certB: Issued;
  let boundToken: string;
  let unboundToken: string;
  let honoServer: Server;
  let nodeServer: Server;
  let honoUrl: string;
  let nodeUrl: string;

  const get = (url: string, token: string | null, cert?: Issued) =>
    call(url, { ...(token ? { bearer: token } : {}), ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) });

  beforeAll(async () => {
    let serverTls: Issued;
    [certA, certB, serverTls] = await Promise.all([clientCertificate('client-a'), clientCertificate('client-b'), clientCertificate('localhost')]);
    tessera = await startTestServer({ toml: `${WSO2_GRANT_HANDLERS}\n${WSO2_INTROSPECTION_LISTENERS}` });
    await tessera.createClient({ clientId: 'bound-app', secret: SECRET, tlsClientCertificateBoundAccessTokens: true });
    await tessera.createClient({ clientId: 'plain-app', secret: SECRET });
    boundToken = (await tokenCall(tessera, { grant_type: 'client_credentials' }, { cert: certA, basic: ['bound-app', SECRET] })).json.access_token;
    unboundToken = (await tokenCall(tessera, { grant_type: 'client_credentials' }, { basic: ['plain-app', SECRET] })).json.access_token;

    const issuer: string = (await call(`${tessera.url}/.well-known/openid-configuration`)).json.issuer;
    const jwks = createLocalJWKSet((await call(`${tessera.url}/oauth2/jwks`)).json as JSONWebKeySet);
    const byJwt = async (token: string) => (await jwtVerify(token, jwks, { issuer, typ: 'at+jwt' })).payload as TokenClaims;
    const byIntrospection = async (token: string) => (await introspect(tessera, token)).json as TokenClaims;

    const app = new Hono<{ Bindings: HttpBindings } & TokenClaimsEnv>();
    app.use('/jwt/*', certificateBoundToken({ validate: byJwt }));
    app.use('/introspected/*', certificateBoundToken({ validate: byIntrospection }));
    app.use('/strict/*', certificateBoundToken({ validate: byJwt, requireBinding: true, realm: 'orders' }));
    for (const prefix of ['/jwt', '/introspected', '/strict']) {
      app.get(`${prefix}/whoami`, (c) => c.json({ client_id: c.get('tokenClaims').client_id }));
    }
    const tls = { key: serverTls.keyPem, cert: serverTls.certPem, requestCert: true, rejectUnauthorized: false };
    honoServer = createAdaptorServer({ fetch: app.fetch, createServer: createHttpsServer, serverOptions: tls }) as Server;
    honoUrl = await listen(honoServer);

    nodeServer = createHttpsServer(tls, (req, res) => {
      const token = bearerToken(req.headers.authorization);
      const claims = token ? byJwt(token).catch(() => null) : Promise.resolve(null);
      void claims.then((payload) => {
        const check = verifyCertificateBinding(req, payload);
        if (!check.ok) {
          res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': bearerChallenge(check.description) });
          res.end(JSON.stringify({ error: 'invalid_token', error_description: check.description }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ client_id: payload!.client_id, bound: check.bound, thumbprint: check.thumbprint }));
      });
    });
    nodeUrl = await listen(nodeServer);
  });
  afterAll(async () => {
    await closeClients();
    await Promise.all([honoServer, nodeServer].map((s) => new Promise((resolve) => s?.close(resolve))));
    await tessera.dispose();
  });

  describe.each(['jwt', 'introspected'])('Hono, token validated by %s', (kind) => {
    const url = () => `${honoUrl}/${kind}/whoami`;

    it('accepts a bound token over TLS with its certificate', async () => {
      const response = await get(url(), boundToken, certA);
      expect(response.status, response.text).toBe(200);
      expect(response.json).toEqual({ client_id: 'bound-app' });
    });

    it('refuses a bound token without a certificate or with another one: 401 invalid_token', async () => {
      for (const cert of [undefined, certB]) {
        const response = await get(url(), boundToken, cert);
        expect(response.status).toBe(401);
        expect(response.json.error).toBe('invalid_token');
        expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="resource", error="invalid_token"/);
      }
    });

    it('accepts an unbound token; refuses a forged one and a missing one', async () => {
      expect((await get(url(), unboundToken)).status).toBe(200);
      expect((await get(url(), `${boundToken}x`, certA)).json?.error).toBe('invalid_token');
      const missing = await get(url(), null);
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="resource"');
    });
  });

  it('requireBinding refuses an unbound token', async () => {
    const response = await get(`${honoUrl}/strict/whoami`, unboundToken, certA);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/realm="orders"/);
    expect((await get(`${honoUrl}/strict/whoami`, boundToken, certA)).status).toBe(200);
  });

  it('a revoked token is refused by the introspection-backed check', async () => {
    const token = (await tokenCall(tessera, { grant_type: 'client_credentials' }, { cert: certA, basic: ['bound-app', SECRET] })).json.access_token;
    expect((await get(`${honoUrl}/introspected/whoami`, token, certA)).status).toBe(200);
    expect((await call(`${tessera.url}/oauth2/revoke`, { form: { token }, basic: ['bound-app', SECRET] })).status).toBe(200);
    expect((await get(`${honoUrl}/introspected/whoami`, token, certA)).status).toBe(401);
  });

  it('plain Node: verifyCertificateBinding on an https.createServer request', async () => {
    const ok = await get(nodeUrl, boundToken, certA);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json).toEqual({ client_id: 'bound-app', bound: true, thumbprint: thumbprintOf(certA.der) });
    expect((await get(nodeUrl, boundToken)).status).toBe(401);
    expect((await get(nodeUrl, boundToken, certB)).status).toBe(401);
    expect((await get(nodeUrl, unboundToken, certB)).json).toMatchObject({ bound: false });
  });

  it('checkCertificateBinding fails closed on confirmations it cannot check', () => {
    const der = certA.der;
    const own = thumbprintOf(der);
    expect(checkCertificateBinding({ cnf: { 'x5t#S256': own } }, der)).toEqual({ ok: true, bound: true, thumbprint: own });
    expect(checkCertificateBinding({ cnf: { 'x5t#S256': own, jkt: 'dpop' } }, der).ok).toBe(false);
    expect(checkCertificateBinding({ cnf: { jkt: 'dpop' } }, der).ok).toBe(false);
    expect(checkCertificateBinding({ cnf: 'x' }, der).ok).toBe(false);
    expect(checkCertificateBinding({ active: false }, der).ok).toBe(false);
    expect(checkCertificateBinding(null, der).ok).toBe(false);
  });

  it('bearerToken takes only the Bearer scheme (any case) with one token68, as the core reads it', () => {
    expect(bearerToken('Bearer abc-._~+/9==')).toBe('abc-._~+/9==');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    for (const header of ['DPoP abc', 'Basic YTpi', 'Bearer', 'Bearer a b', 'Bearer a=b', 'Bearerabc', '', null, undefined]) {
      expect(bearerToken(header), String(header)).toBeNull();
    }
  });
});
