/**
 * `self_signed_tls_client_auth` (RFC 8705 §2.2) and the WSO2 guide's certificate match, end to end:
 * registered PEM certificates (rotation), `jwks` with x5c, validity, and the WSO2 flow of a client
 * registered without a method that presents a certificate — over TLS and in the guide's header.
 */
import { webcrypto } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients } from '../../../test/support/https-client.ts';
import { type Issued, createCa, createLeaf, createSelfSigned, thumbprintOf } from '../../../test/support/pki.ts';
import { type TestServer, startTestServer } from '../../../test/support/test-server.ts';
import { HEADER, WSO2_ENABLE, auditEvents, expectInvalidClient, expectRefused, expectToken, token } from './mtls-kit.ts';

const HOUR = 3_600_000;
const SECRET = 'wso2-client-secret-0123456789';

/** The certificate of the WSO2 guide's sample call (self-signed, cA=TRUE, valid 2020-03-24 to 2030-03-22). */
const WSO2_GUIDE_CERTIFICATE =
  '-----BEGIN CERTIFICATE-----MIID3TCCAsWgAwIBAgIUJQW8iwYsAbyjc/oHti8DPLJH5ZcwDQYJKoZIhvcNAQELBQAwfjELMAkGA1UEBhMCU0wxEDAOBgNVBAgMB1dlc3Rlcm4xEDAOBgNVBAcMB0NvbG9tYm8xDTALBgNVBAoMBFdTTzIxDDAKBgNVBAsMA0lBTTENMAsGA1UEAwwER2FnYTEfMB0GCSqGSIb3DQEJARYQZ2FuZ2FuaUB3c28yLmNvbTAeFw0yMDAzMjQxMjQyMDFaFw0zMDAzMjIxMjQyMDFaMH4xCzAJBgNVBAYTAlNMMRAwDgYDVQQIDAdXZXN0ZXJuMRAwDgYDVQQHDAdDb2xvbWJvMQ0wCwYDVQQKDARXU08yMQwwCgYDVQQLDANJQU0xDTALBgNVBAMMBEdhZ2ExHzAdBgkqhkiG9w0BCQEWEGdhbmdhbmlAd3NvMi5jb20wggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQC+reCEYOn2lnWgFsp0TF0R1wQiD9C/N+dnv4xCa0rFiu4njDzWR/8tYFl0koaxXoP0+oGnT07KlkA66q0ztwikLZXphLdCBbJ1hSmNvor48FuSb6DgqWixrUa2LHlpaaV7RvlmG+IhZEgKDXdS+/tK0hlcgRzENyOEdETDO5fFlKGGuwaGv6/w69h2LTKGu5nyDLF51rjQ18xp026btHC7se/XSlcp3X63xeOIcFv6m84AN2lnV+g8MOfu2wgWtsKaxn4BL64E7nHZNNLxMRf7GtUm2bl9ydFX4aD1r1Oj4iqFWMNcfQ676Qshk8s7ui3LKWFXwNN/SRD0c/ORtv23AgMBAAGjUzBRMB0GA1UdDgQWBBRDu/vqRafReh4fFHS3Nz4T6u9mUDAfBgNVHSMEGDAWgBRDu/vqRafReh4fFHS3Nz4T6u9mUDAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQB7NH51Yj4moEhMonnLUh3eTtf6DUnrpscx6td28rryoDZPfCkJs4VHU9F50etw54FoHqoIaHp5UIB6l1OsVXytUmwrdxbqW7nfOItYwN1yV093aI2aOeMQYmS+vrPkSkxySP6+wGCWe4gfMgpr6iu9xiWLpnILw5q71gmXWtS900S5aLbllGYe74jkyldLIdhS4TyEBIDgcpZrD8x/Z42al6T/6EANMpvu4Jopisg+uwwkEGSM1I/kjiW+YkWC4oTZ1jMZUWC11WbcouLwjfaf6gt4zWitYCP0r0fLGk4bSJfUFsnJNu6vDhx60TbRhIh9P2jxkmgNYPuAxFtF8v+h-----END CERTIFICATE-----';

/** A public JWK of the certificate's key, with the certificate as x5c (what a client registers as jwks). */
async function jwkWithX5c(issued: Issued): Promise<Record<string, unknown>> {
  const jwk = (await webcrypto.subtle.exportKey('jwk', issued.keys.publicKey as webcrypto.CryptoKey)) as Record<string, unknown>;
  const { kty, n, e, crv, x, y } = jwk;
  return Object.fromEntries(
    Object.entries({ kty, n, e, crv, x, y, use: 'sig', kid: thumbprintOf(issued.der), x5c: [Buffer.from(issued.der).toString('base64')] }).filter(([, v]) => v !== undefined),
  );
}

describe('self_signed_tls_client_auth', () => {
  let rsa: Issued;
  let ec: Issued;
  let next: Issued;
  let stranger: Issued;
  let server: TestServer;

  beforeAll(async () => {
    [rsa, ec, next, stranger] = await Promise.all([
      createSelfSigned({ subject: 'CN=rsa-client,O=Example', keyAlg: 'RSA' }),
      createSelfSigned({ subject: 'CN=ec-client,O=Example', keyAlg: 'EC' }),
      createSelfSigned({ subject: 'CN=rsa-client,O=Example', keyAlg: 'EC' }),
      createSelfSigned({ subject: 'CN=rsa-client,O=Example', keyAlg: 'EC' }),
    ]);
    server = await startTestServer({ toml: WSO2_ENABLE });
    const selfSigned = { tokenEndpointAuthMethod: 'self_signed_tls_client_auth' };
    await server.createClient({ clientId: 'rsa', ...selfSigned, certificates: [rsa.certPem] });
    await server.createClient({ clientId: 'ec', ...selfSigned, certificates: [ec.certPem] });
    await server.createClient({ clientId: 'rotating', ...selfSigned, certificates: [rsa.certPem, next.certPem] });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('authenticates a client by its registered self-signed RSA certificate', async () => {
    expectToken(await token(server, { clientId: 'rsa', as: rsa }));
    expect(auditEvents(server, 'rsa').at(-1)).toMatchObject({ type: 'client.authentication.succeeded', method: 'self_signed_tls_client_auth', certificateThumbprint: thumbprintOf(rsa.der) });
  });

  it('authenticates a client by its registered self-signed EC certificate', async () => {
    expectToken(await token(server, { clientId: 'ec', as: ec }));
  });

  it('accepts each of two registered certificates (rotation)', async () => {
    expectToken(await token(server, { clientId: 'rotating', as: rsa }));
    expectToken(await token(server, { clientId: 'rotating', as: next }));
    expectRefused(server, await token(server, { clientId: 'rotating', as: stranger }), 'rotating', 'unknown certificate');
  });

  it('refuses a certificate with the registered subject but another key', async () => {
    expectRefused(server, await token(server, { clientId: 'rsa', as: stranger }), 'rsa', 'unknown certificate');
  });

  it('refuses client_id of one client with another client\'s certificate', async () => {
    expectRefused(server, await token(server, { clientId: 'ec', as: rsa }), 'ec', 'unknown certificate');
    expectRefused(server, await token(server, { clientId: 'rsa', as: ec }), 'rsa', 'unknown certificate');
  });

  it('authenticates by an x5c in the registered jwks', async () => {
    const holder = await createSelfSigned({ subject: 'CN=jwks-client', keyAlg: 'EC' });
    const other = await createSelfSigned({ subject: 'CN=jwks-other', keyAlg: 'RSA' });
    await server.createClient({
      clientId: 'jwks',
      tokenEndpointAuthMethod: 'self_signed_tls_client_auth',
      jwks: { keys: [await jwkWithX5c(other), await jwkWithX5c(holder)] },
    });
    expectToken(await token(server, { clientId: 'jwks', as: holder }));
    expectToken(await token(server, { clientId: 'jwks', as: other }));
    expectRefused(server, await token(server, { clientId: 'jwks', as: rsa }), 'jwks', 'unknown certificate');
  });

  it('refuses an expired registered certificate, and one not yet valid', async () => {
    const expired = await createSelfSigned({ subject: 'CN=old', keyAlg: 'EC', notBefore: new Date(Date.now() - 48 * HOUR), notAfter: new Date(Date.now() - HOUR) });
    const early = await createSelfSigned({ subject: 'CN=early', keyAlg: 'EC', notBefore: new Date(Date.now() + HOUR), notAfter: new Date(Date.now() + 48 * HOUR) });
    await server.createClient({ clientId: 'expired', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [expired.certPem, early.certPem] });
    expectRefused(server, await token(server, { clientId: 'expired', as: expired }), 'expired', 'expired');
    expectRefused(server, await token(server, { clientId: 'expired', as: early }), 'expired', 'not yet valid');
  });

  it('accepts a registered certificate that is also a CA (openssl req -x509 makes those)', async () => {
    const root = await createCa({ subject: 'CN=self-signed CA as client' });
    await server.createClient({ clientId: 'ca-cert', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [root.certPem] });
    expectToken(await token(server, { clientId: 'ca-cert', as: root }));
  });

  it('accepts a registered certificate issued by some CA: the registration, not a chain, is the trust', async () => {
    const root = await createCa({ subject: 'CN=Unconfigured CA' });
    const issued = await createLeaf({ issuer: root, subject: 'CN=issued-but-registered' });
    await server.createClient({ clientId: 'issued', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [issued.certPem] });
    expectToken(await token(server, { clientId: 'issued', as: issued }));
  });

  it('refuses a client with nothing registered, and a request without a certificate', async () => {
    await server.createClient({ clientId: 'nothing', tokenEndpointAuthMethod: 'self_signed_tls_client_auth' });
    expectRefused(server, await token(server, { clientId: 'nothing', as: rsa }), 'nothing', /^no certificate registered/);
    const res = await token(server, { clientId: 'rsa' });
    expectRefused(server, res, 'rsa', 'no certificate presented');
  });
});

describe('the WSO2 flow: registered certificates, no method, a certificate and no secret', () => {
  let wso2: Issued;
  let other: Issued;
  let server: TestServer;

  beforeAll(async () => {
    wso2 = await createSelfSigned({ subject: 'CN=Gaga,OU=IAM,O=WSO2,L=Colombo,ST=Western,C=SL', keyAlg: 'RSA' });
    other = await createSelfSigned({ subject: 'CN=Other', keyAlg: 'EC' });
    // The guide's blocks, pasted: the authenticator entry and the header name.
    server = await startTestServer({
      toml: `${WSO2_ENABLE}
[oauth.mutualtls]
client_certificate_header = "${HEADER}"
`,
    });
    // No tokenEndpointAuthMethod: the Management Console's "Application Certificate" and a secret.
    await server.createClient({ clientId: 'playground2', secret: SECRET, certificates: [wso2.certPem] });
    await server.createClient({ clientId: 'h9gd1bLEgzUwftAhnrof0fZWcZwa', secret: SECRET, certificates: [WSO2_GUIDE_CERTIFICATE] });
    await server.createClient({ clientId: 'no-certificates', secret: SECRET });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('runs the guide\'s client_credentials call: one-line PEM in x-wso2-mtls-cert, no secret', async () => {
    const res = await token(server, { clientId: 'h9gd1bLEgzUwftAhnrof0fZWcZwa', headers: { [HEADER]: WSO2_GUIDE_CERTIFICATE } });
    expectToken(res);
    expect(res.json.token_type).toBe('Bearer');
    expect(auditEvents(server, 'h9gd1bLEgzUwftAhnrof0fZWcZwa').at(-1)).toMatchObject({ type: 'client.authentication.succeeded', method: 'self_signed_tls_client_auth' });
  });

  it('authenticates by the certificate of the TLS handshake (curl --cert --key)', async () => {
    expectToken(await token(server, { clientId: 'playground2', as: wso2 }));
    expect(auditEvents(server, 'playground2').at(-1)?.method).toBe('self_signed_tls_client_auth');
  });

  it('also runs the password grant of the guide', async () => {
    const res = await token(server, { clientId: 'playground2', as: wso2, form: { grant_type: 'password', username: 'admin', password: 'admin' } });
    expectToken(res);
  });

  it('refuses an unregistered certificate, without trying anything else', async () => {
    expectRefused(server, await token(server, { clientId: 'playground2', as: other }), 'playground2', 'unknown certificate');
  });

  it('leaves a request with a secret to the secret methods, certificate or not', async () => {
    const res = await token(server, { clientId: 'playground2', as: other, form: { client_secret: SECRET } });
    expectToken(res);
    expect(auditEvents(server, 'playground2').at(-1)?.method).toBe('client_secret_post');
    // A wrong secret is not rescued by a good certificate.
    const wrong = await token(server, { clientId: 'playground2', as: wso2, form: { client_secret: 'wrong' } });
    expectRefused(server, wrong, 'playground2', 'wrong client secret');
  });

  it('refuses a request with neither secret nor certificate', async () => {
    expectInvalidClient(await token(server, { clientId: 'playground2' }));
  });

  it('does not authenticate by certificate a client that registered none', async () => {
    const res = await token(server, { clientId: 'no-certificates', as: wso2 });
    expectRefused(server, res, 'no-certificates', 'no credentials this client can use');
  });

  it('turns a malformed forwarded certificate into invalid_client naming the problem in the log', async () => {
    const res = await token(server, { clientId: 'playground2', headers: { [HEADER]: '-----BEGIN CERTIFICATE-----MIID3TCCAsWgAwIBAgIUJQW8-----END CERTIFICATE-----' } });
    expectRefused(server, res, 'playground2', /^certificate header: /);
  });
});
