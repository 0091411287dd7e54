/**
 * docs/guides/fapi2-security-profile.md, run as written: a `fapi2-security` server and a user through
 * the admin API, a private_key_jwt client with a self-signed certificate, a secret client refused at
 * registration, PAR with a client assertion and PKCE, sign-in and consent (driven over HTTPS as a
 * browser would), the code exchanged over mutual TLS for a certificate-bound token, userinfo with
 * the certificate (and refused without it), refresh; then the same with DPoP (section 10): a proof at
 * PAR binding the code, the code exchanged for a DPoP token (`cnf.jkt`), userinfo with
 * `Authorization: DPoP` (and refused as Bearer), refresh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { authorize } from '../support/authorization-flow.ts';
import { call, closeClients } from '../support/https-client.ts';
import { GUIDES, claimsOf, curlEnvironment, freePort, jsonOf, thumbprintOfFile, workFolder } from './support/guide-helpers.ts';
import { runGuide, stopGuideProcesses, type GuideContext, type GuideRun } from './support/guide-runner.ts';

const GUIDE = join(GUIDES, 'fapi2-security-profile.md');
const SAMPLE_CODE = 'SplxlOBeZQQYbYS6WxSbIA';
const DPOP_SAMPLE_CODE = 'dpopSampleAuthorizationCode';
const DPOP_SAMPLE_REQUEST_URI = 'urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3AdPoP_pushed_request_sample';

/** The RFC 7638 thumbprint of the key dpop.mjs made (its public members). */
async function dpopJkt(ctx: GuideContext): Promise<string> {
  const { d: _private, ...publicJwk } = JSON.parse(readFileSync(join(ctx.cwd, 'dpop-key.json'), 'utf8')) as JWK;
  return calculateJwkThumbprint(publicJwk, 'sha256');
}

describe('docs/guides/fapi2-security-profile.md, run as written', () => {
  let run: GuideRun | undefined;
  const folder = workFolder('fapi2');
  let failed = true;

  afterAll(async () => {
    await closeClients();
    await run?.stop();
    await stopGuideProcesses();
    if (!failed) folder.remove();
  });

  it('sets up a FAPI 2.0 server and runs PAR, sign-in, a certificate-bound code exchange, userinfo and refresh with curl, then with DPoP', { timeout: 180_000 }, async () => {
    const port = await freePort();
    const tessera = `https://localhost:${port}`;
    const issuer = `${tessera}/default/bank`;
    const thumbprint = (ctx: GuideContext) => thumbprintOfFile(join(ctx.cwd, 'client.pem'));
    let accessToken = '';
    let dpopAccessToken = '';

    run = await runGuide(GUIDE, {
      root: folder.root,
      substitutions: { '9443': String(port) },
      env: curlEnvironment(),
      checks: {
        'server-and-user'(ctx) {
          const [server, user] = ctx.last.stdout.split(/(?<=\})\s*(?=\{)/).map((part) => jsonOf(part));
          expect(server).toMatchObject({ id: 'bank', profile: 'fapi2-security', effective_issuer: issuer });
          expect(user).toMatchObject({ username: 'pat', authorization_server_id: 'bank' });
        },
        discovery(ctx) {
          const meta = jsonOf(ctx.last.stdout);
          expect(meta).toMatchObject({ issuer, require_pushed_authorization_requests: true, pushed_authorization_request_endpoint: `${issuer}/oauth2/par` });
          expect((meta.token_endpoint_auth_methods_supported as string[]).sort()).toEqual(['private_key_jwt', 'self_signed_tls_client_auth', 'tls_client_auth']);
          expect(meta.token_endpoint_auth_signing_alg_values_supported).toEqual(['PS256', 'ES256', 'EdDSA']);
        },
        register(ctx) {
          expect(jsonOf(ctx.last.stdout)).toMatchObject({ client_id: 'bank-app', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', tls_client_certificate_bound_access_tokens: true });
        },
        'refused-registration'(ctx) {
          const refused = jsonOf(ctx.last.stdout);
          expect(refused.error).toBe('invalid_client_metadata');
          expect(refused.error_description).toContain('accepts only confidential clients using tls_client_auth, self_signed_tls_client_auth, private_key_jwt');
          expect(refused.error_description).toContain('got client_secret_basic');
        },
        par(ctx) {
          const pushed = jsonOf(ctx.last.stdout);
          expect(pushed.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
          expect(pushed.expires_in).toBe(60);
          ctx.substitute('urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c', encodeURIComponent(pushed.request_uri as string));
        },
        async 'browser-authorize'(ctx) {
          const address = new URL(ctx.shown.trim());
          expect(address.href.startsWith(`${issuer}/oauth2/authorize?`)).toBe(true);
          const flow = await authorize(tessera, {
            clientId: address.searchParams.get('client_id')!,
            endpointPath: '/default/bank/oauth2',
            username: 'pat',
            password: 'pat-password',
            extra: { request_uri: address.searchParams.get('request_uri')! },
          });
          expect(flow.params).toMatchObject({ state: 'xyz', iss: issuer });
          expect(flow.location.startsWith('https://tpp.example.com/callback?')).toBe(true);
          ctx.substitute(SAMPLE_CODE, flow.code!);
        },
        token(ctx) {
          const token = jsonOf(ctx.last.stdout);
          expect(token).toMatchObject({ token_type: 'Bearer', scope: 'openid accounts' });
          expect(claimsOf(token.access_token)).toMatchObject({ client_id: 'bank-app', cnf: { 'x5t#S256': thumbprint(ctx) } });
          expect(claimsOf(token.id_token)).toMatchObject({ iss: issuer, aud: 'bank-app', sub: 'pat', nonce: 'n-0S6_WzA2Mj' });
          accessToken = token.access_token as string;
        },
        async userinfo(ctx) {
          expect(jsonOf(ctx.last.stdout)).toMatchObject({ sub: 'pat' });
          // "The same request without the certificate is refused with 401 invalid_token."
          const without = await call(`${issuer}/oauth2/userinfo`, { bearer: accessToken });
          expect(without.status).toBe(401);
          expect(String(without.headers['www-authenticate'])).toContain('invalid_token');
        },
        refresh(ctx) {
          const refreshed = jsonOf(ctx.last.stdout);
          expect(claimsOf(refreshed.access_token)).toMatchObject({ client_id: 'bank-app', cnf: { 'x5t#S256': thumbprint(ctx) } });
        },
        'dpop-register'(ctx) {
          const registered = jsonOf(ctx.last.stdout);
          expect(registered).toMatchObject({ client_id: 'bank-dpop-app', token_endpoint_auth_method: 'private_key_jwt', dpop_bound_access_tokens: true });
          expect(registered.tls_client_certificate_bound_access_tokens).not.toBe(true);
        },
        'dpop-par'(ctx) {
          const pushed = jsonOf(ctx.last.stdout);
          expect(pushed.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
          ctx.substitute(DPOP_SAMPLE_REQUEST_URI, encodeURIComponent(pushed.request_uri as string));
        },
        async 'dpop-browser-authorize'(ctx) {
          const address = new URL(ctx.shown.trim());
          expect(address.searchParams.get('client_id')).toBe('bank-dpop-app');
          const flow = await authorize(tessera, {
            clientId: 'bank-dpop-app',
            endpointPath: '/default/bank/oauth2',
            username: 'pat',
            password: 'pat-password',
            extra: { request_uri: address.searchParams.get('request_uri')! },
          });
          expect(flow.params).toMatchObject({ state: 'xyz', iss: issuer });
          ctx.substitute(DPOP_SAMPLE_CODE, flow.code!);
        },
        async 'dpop-token'(ctx) {
          const token = jsonOf(ctx.last.stdout);
          expect(token).toMatchObject({ token_type: 'DPoP', scope: 'openid accounts' });
          expect(claimsOf(token.access_token)).toMatchObject({ client_id: 'bank-dpop-app', cnf: { jkt: await dpopJkt(ctx) } });
          dpopAccessToken = token.access_token as string;
        },
        async 'dpop-userinfo'(ctx) {
          expect(jsonOf(ctx.last.stdout)).toMatchObject({ sub: 'pat' });
          // "Sent as Bearer ... it is refused: 401 with WWW-Authenticate: DPoP error="invalid_token"."
          const asBearer = await call(`${issuer}/oauth2/userinfo`, { bearer: dpopAccessToken });
          expect(asBearer.status).toBe(401);
          expect(String(asBearer.headers['www-authenticate'])).toMatch(/^DPoP .*error="invalid_token"/);
        },
        async 'dpop-refresh'(ctx) {
          const refreshed = jsonOf(ctx.last.stdout);
          expect(refreshed.token_type).toBe('DPoP');
          expect(claimsOf(refreshed.access_token)).toMatchObject({ client_id: 'bank-dpop-app', cnf: { jkt: await dpopJkt(ctx) } });
        },
      },
    });
    failed = false;
  });
});
