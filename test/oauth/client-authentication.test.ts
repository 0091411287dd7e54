/**
 * Client authentication at the token endpoint (RFC 6749 §2.3, §5.2): client_secret_basic,
 * client_secret_post and none; a registered method is the only one accepted; more than one method in
 * a request is invalid_request; failures are 401 invalid_client with a Basic challenge; secrets are
 * stored hashed. Also the request-level errors every token request can hit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { expectOAuthError, introspect, tokenRequest } from './oauth-helpers.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
// Characters that must be form-urlencoded in Basic credentials (RFC 6749 §2.3.1).
const ODD_SECRET = 'p:a%ss+w/rd=&é-0123456789abcdef';
const CC = { grant_type: 'client_credentials' };

describe('client authentication', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.createClient({ clientId: 'any', secret: SECRET });
    await server.createClient({ clientId: 'basic-only', secret: SECRET, tokenEndpointAuthMethod: 'client_secret_basic' });
    await server.createClient({ clientId: 'post-only', secret: SECRET, tokenEndpointAuthMethod: 'client_secret_post' });
    await server.createClient({ clientId: 'public', tokenEndpointAuthMethod: 'none' });
    await server.createClient({ clientId: 'odd:client id', secret: ODD_SECRET });
    await server.createClient({ clientId: 'no-secret' });
    await server.createClient({ clientId: 'cc-only', secret: SECRET, grantTypes: ['client_credentials'] });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  describe('accepted', () => {
    it('client_secret_basic', async () => {
      const result = await tokenRequest(server, CC, { basic: ['any', SECRET] });
      expect(result.status, result.text).toBe(200);
      expect(result.headers['cache-control']).toBe('no-store');
      expect(result.headers.pragma).toBe('no-cache');
      expect(await introspect(server, result.json.access_token)).toMatchObject({ active: true, client_id: 'any' });
    });

    it('client_secret_post', async () => {
      const result = await tokenRequest(server, { ...CC, client_id: 'any', client_secret: SECRET });
      expect(result.status, result.text).toBe(200);
      expect(await introspect(server, result.json.access_token)).toMatchObject({ active: true, client_id: 'any' });
    });

    it('client_secret_basic with a client_id in the body that matches', async () => {
      expect((await tokenRequest(server, { ...CC, client_id: 'any' }, { basic: ['any', SECRET] })).status).toBe(200);
    });

    it('a registered client_secret_basic client by Basic, a registered client_secret_post client by the body', async () => {
      expect((await tokenRequest(server, CC, { basic: ['basic-only', SECRET] })).status).toBe(200);
      expect((await tokenRequest(server, { ...CC, client_id: 'post-only', client_secret: SECRET })).status).toBe(200);
    });

    it('Basic credentials that are form-urlencoded, with special characters', async () => {
      const result = await tokenRequest(server, CC, { basic: ['odd:client id', ODD_SECRET] });
      expect(result.status, result.text).toBe(200);
      expect(await introspect(server, result.json.access_token)).toMatchObject({ client_id: 'odd:client id' });
    });
  });

  describe('refused with 401 invalid_client and a Basic challenge', () => {
    it('a wrong secret by Basic and by the body', async () => {
      expectOAuthError(await tokenRequest(server, CC, { basic: ['any', `${SECRET}x`] }), 401, 'invalid_client');
      expectOAuthError(await tokenRequest(server, { ...CC, client_id: 'any', client_secret: SECRET.slice(0, -1) }), 401, 'invalid_client');
      expectOAuthError(await tokenRequest(server, { ...CC, client_id: 'any', client_secret: '' }), 401, 'invalid_client');
    });

    it('an unknown client, with the same answer as a wrong secret', async () => {
      const unknown = await tokenRequest(server, CC, { basic: ['nobody', SECRET] });
      const wrong = await tokenRequest(server, CC, { basic: ['any', 'wrong-secret-0123456789abcd'] });
      expectOAuthError(unknown, 401, 'invalid_client');
      expect(unknown.json).toEqual(wrong.json);
    });

    it('no credentials at all', async () => {
      expectOAuthError(await tokenRequest(server, CC), 401, 'invalid_client');
    });

    it('a client_id alone for a confidential client', async () => {
      expectOAuthError(await tokenRequest(server, { ...CC, client_id: 'any' }), 401, 'invalid_client');
    });

    it('a client with no secret registered and no method', async () => {
      expectOAuthError(await tokenRequest(server, CC, { basic: ['no-secret', SECRET] }), 401, 'invalid_client');
      expectOAuthError(await tokenRequest(server, { ...CC, client_id: 'no-secret' }), 401, 'invalid_client');
    });

    it('a registered method other than the one used', async () => {
      const basicForPost = await tokenRequest(server, CC, { basic: ['post-only', SECRET] });
      expectOAuthError(basicForPost, 401, 'invalid_client');
      expect(basicForPost.json.error_description).toContain('client_secret_post');
      expectOAuthError(await tokenRequest(server, { ...CC, client_id: 'basic-only', client_secret: SECRET }), 401, 'invalid_client');
    });

    it('a secret sent by a public client', async () => {
      expectOAuthError(await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'public', client_secret: SECRET }), 401, 'invalid_client');
      expectOAuthError(await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: 'x' }, { basic: ['public', ''] }), 401, 'invalid_client');
    });

    it('a client_assertion from a client not registered for private_key_jwt or client_secret_jwt', async () => {
      const result = await tokenRequest(server, { ...CC, client_id: 'any', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'a.b.c' });
      expectOAuthError(result, 401, 'invalid_client');
      expect(result.json.error_description).toContain('private_key_jwt');
    });

    it('malformed Basic credentials', async () => {
      expectOAuthError(await tokenRequest(server, CC, { headers: { authorization: 'Basic !!!' } }), 401, 'invalid_client');
      expectOAuthError(await tokenRequest(server, CC, { headers: { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` } }), 401, 'invalid_client');
    });
  });

  describe('refused with 400 invalid_request', () => {
    it('Basic and client_secret in one request', async () => {
      const result = await tokenRequest(server, { ...CC, client_id: 'any', client_secret: SECRET }, { basic: ['any', SECRET] });
      expectOAuthError(result, 400, 'invalid_request');
      expect(result.json.error_description).toContain('only one client authentication method');
    });

    it('client_secret and client_assertion in one request', async () => {
      const result = await tokenRequest(server, { ...CC, client_id: 'any', client_secret: SECRET, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'a.b.c' });
      expectOAuthError(result, 400, 'invalid_request');
    });


    it('a body client_id different from the Basic one', async () => {
      expectOAuthError(await tokenRequest(server, { ...CC, client_id: 'basic-only' }, { basic: ['any', SECRET] }), 400, 'invalid_request');
    });

    it('a missing grant_type, a repeated parameter, a body that is not a form', async () => {
      expectOAuthError(await tokenRequest(server, {}, { basic: ['any', SECRET] }), 400, 'invalid_request');
      expectOAuthError(await call(`${server.url}/oauth2/token`, { body: 'grant_type=client_credentials&grant_type=password', headers: { 'content-type': 'application/x-www-form-urlencoded' }, basic: ['any', SECRET] }), 400, 'invalid_request');
      expectOAuthError(await call(`${server.url}/oauth2/token`, { json: CC, basic: ['any', SECRET] }), 400, 'invalid_request');
    });
  });

  describe('grant-level refusals after authentication', () => {
    it('an unknown grant type is unsupported_grant_type', async () => {
      expectOAuthError(await tokenRequest(server, { grant_type: 'urn:example:unknown' }, { basic: ['any', SECRET] }), 400, 'unsupported_grant_type');
    });

    it('a grant type the client is not registered for is unauthorized_client', async () => {
      expectOAuthError(await tokenRequest(server, { grant_type: 'password', username: 'u', password: 'p' }, { basic: ['cc-only', SECRET] }), 400, 'unauthorized_client');
    });

    it('a public client cannot use client_credentials', async () => {
      expectOAuthError(await tokenRequest(server, { ...CC, client_id: 'public' }), 400, 'unauthorized_client');
    });
  });

  it('stores client secrets hashed, never in clear', async () => {
    const client = await server.runtime.store.clients.get(DEFAULT_SERVER, 'any');
    expect(client!.secretHash).toMatch(/^sha256\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
    expect(client!.secretHash).not.toContain(SECRET);
  });
});
