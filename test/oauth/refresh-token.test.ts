/**
 * The refresh_token grant: rotation (each refresh token works once), reuse detection that revokes
 * the whole family with its access tokens (also when the reuse races the rotation), scope narrowing,
 * and refresh tokens bound to their client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../core/crypto/random-token.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { REDIRECT_URI, authorizeAndApprove, createUser, expectActive, expectOAuthError, introspect, pkcePair, tokenRequest } from './oauth-helpers.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const OTHER_SECRET = 'other-secret-0123456789abcdef';
const dave = { username: 'dave', password: 'dave-Passw0rd-for-tests' };

describe('refresh_token grant', () => {
  let server: TestServer;
  const basic: [string, string] = ['app', SECRET];
  beforeAll(async () => {
    server = await startTestServer();
    await server.createClient({ clientId: 'app', scopes: ['openid', 'read', 'write'], secret: SECRET });
    await server.createClient({ clientId: 'other', scopes: ['openid', 'read', 'write'], secret: OTHER_SECRET });
    await server.createClient({ clientId: 'no-refresh', scopes: ['openid', 'read', 'write'], secret: SECRET, grantTypes: ['password'] });
    await server.createClient({ clientId: 'spa', scopes: ['openid', 'read', 'write'], tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code', 'refresh_token'] });
    await createUser(server, dave.username, dave.password);
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  async function passwordTokens(scope = 'openid read write') {
    const result = await tokenRequest(server, { grant_type: 'password', ...dave, scope }, { basic });
    expect(result.status, result.text).toBe(200);
    return result.json as { access_token: string; refresh_token: string; scope: string };
  }

  const refresh = (refreshToken: string, extra: Record<string, string> = {}, auth: [string, string] = basic) =>
    tokenRequest(server, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, { basic: auth });

  it('rotates: a new refresh token each time, the old one stops working', async () => {
    const first = await passwordTokens();
    const second = await refresh(first.refresh_token);
    expect(second.status, second.text).toBe(200);
    expect(second.headers['cache-control']).toBe('no-store');
    expect(second.json).toMatchObject({ token_type: 'Bearer', scope: 'openid read write' });
    expect(second.json.refresh_token).not.toBe(first.refresh_token);
    expect(second.json.access_token).not.toBe(first.access_token);
    // An ID token comes back for openid, without a nonce (OIDC Core §12.2).
    expect(typeof second.json.id_token).toBe('string');
    expect(await introspect(server, second.json.access_token)).toMatchObject({ active: true, username: 'dave', client_id: 'app' });

    const third = await refresh(second.json.refresh_token);
    expect(third.status, third.text).toBe(200);
  });

  it('on reuse answers invalid_grant and revokes the rotated-in refresh token and every access token of the family', async () => {
    const first = await passwordTokens();
    const second = await refresh(first.refresh_token);
    expect(second.status, second.text).toBe(200);
    await expectActive(server, first.access_token, true);
    await expectActive(server, second.json.access_token, true);

    const reuse = await refresh(first.refresh_token);
    expectOAuthError(reuse, 400, 'invalid_grant');
    expect(reuse.json.error_description).toContain('already used');

    await expectActive(server, first.access_token, false);
    await expectActive(server, second.json.access_token, false);
    expectOAuthError(await refresh(second.json.refresh_token), 400, 'invalid_grant');
  });

  it('lets one of several concurrent refreshes with one token win, and revokes the family', async () => {
    // A few rounds: the interleavings differ from one to the next.
    for (let round = 0; round < 3; round++) {
      const first = await passwordTokens();
      const results = await Promise.all(Array.from({ length: 6 }, () => refresh(first.refresh_token)));
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 200)) expectOAuthError(r, 400, 'invalid_grant');
      // The others were reuse: what the winner got is revoked whatever the interleaving.
      await expectActive(server, ok[0].json.access_token, false);
      await expectActive(server, first.access_token, false);
      expectOAuthError(await refresh(ok[0].json.refresh_token), 400, 'invalid_grant');
    }
  });

  it('narrows the access token scope on request but keeps the refresh token at the original grant', async () => {
    const first = await passwordTokens('read write');
    const narrowed = await refresh(first.refresh_token, { scope: 'read' });
    expect(narrowed.status, narrowed.text).toBe(200);
    expect(narrowed.json.scope).toBe('read');
    expect(await introspect(server, narrowed.json.access_token)).toMatchObject({ active: true, scope: 'read' });
    // RFC 6749 §6: the new refresh token's scope is identical to the one presented.
    const full = await refresh(narrowed.json.refresh_token);
    expect(full.status, full.text).toBe(200);
    expect(full.json.scope).toBe('read write');
  });

  it('refuses a scope beyond the original grant with invalid_scope, without spending the token', async () => {
    const first = await passwordTokens('read');
    expectOAuthError(await refresh(first.refresh_token, { scope: 'read admin' }), 400, 'invalid_scope');
    const still = await refresh(first.refresh_token);
    expect(still.status, still.text).toBe(200);
  });

  it('refuses a refresh token presented by another client, without spending it', async () => {
    const first = await passwordTokens();
    const result = await refresh(first.refresh_token, {}, ['other', OTHER_SECRET]);
    expectOAuthError(result, 400, 'invalid_grant');
    expect(result.json.error_description).not.toContain('app');
    await expectActive(server, first.access_token, true);
    expect((await refresh(first.refresh_token)).status).toBe(200);
  });

  it('refuses an unknown, a missing, an oversized and a revoked refresh token', async () => {
    expectOAuthError(await refresh(randomToken()), 400, 'invalid_grant');
    expectOAuthError(await tokenRequest(server, { grant_type: 'refresh_token' }, { basic }), 400, 'invalid_request');
    expectOAuthError(await refresh('r'.repeat(1000)), 400, 'invalid_grant');
    const first = await passwordTokens();
    const revoked = await call(`${server.url}/oauth2/revoke`, { form: { token: first.refresh_token }, basic });
    expect(revoked.status).toBe(200);
    expectOAuthError(await refresh(first.refresh_token), 400, 'invalid_grant');
  });

  it('gives no refresh token to a client without the refresh_token grant, and refuses the grant to it', async () => {
    const result = await tokenRequest(server, { grant_type: 'password', ...dave }, { basic: ['no-refresh', SECRET] });
    expect(result.status, result.text).toBe(200);
    expect(result.json.refresh_token).toBeUndefined();
    const first = await passwordTokens();
    expectOAuthError(await refresh(first.refresh_token, {}, ['no-refresh', SECRET]), 400, 'unauthorized_client');
  });

  it('rotates for a public client authenticating with client_id only', async () => {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeAndApprove(server, { client_id: 'spa', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' }, dave);
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(tokens.status, tokens.text).toBe(200);
    const rotated = await tokenRequest(server, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: tokens.json.refresh_token });
    expect(rotated.status, rotated.text).toBe(200);
    expectOAuthError(await tokenRequest(server, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: tokens.json.refresh_token }), 400, 'invalid_grant');
    await expectActive(server, rotated.json.access_token, false);
  });
});
