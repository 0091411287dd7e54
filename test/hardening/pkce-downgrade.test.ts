/**
 * PKCE (RFC 7636) cannot be downgraded or side-stepped: the S256 challenge itself is no verifier, a
 * verifier outside RFC 7636's shape is refused, a lower-case or empty method is no method, an empty
 * challenge does not excuse a public client, and a failed verification burns the code so it cannot
 * be retried with another guess. (authorize-errors.test.ts: plain refused, no challenge for a public
 * client, verifier without challenge, wrong or missing verifier.)
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { authorizeAndApprove, pkcePair } from '../oauth/oauth-helpers.ts';
import { closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, send } from './kit.ts';

const REDIRECT = 'https://client.example.com/callback';
const SECRET = 'pkce-secret-0123456789abcdefghijk';
const USER = { username: 'pia', password: 'pia-Passw0rd-pkce' };

describe('PKCE downgrade', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ toml: '[logging]\nlevel = "info"\n' });
    await server.createClient({ clientId: 'web', secret: SECRET });
    await server.createClient({ clientId: 'spa', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code', 'refresh_token'] });
    await server.runtime.users.create(DEFAULT_SERVER, USER);
  });
  afterAll(async () => {
    await closeAgents();
    await closeClients();
    await server.dispose();
  });

  const codeFor = async (clientId: string, verifier = pkcePair().verifier) => {
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const { code } = await authorizeAndApprove(server, { client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' }, USER);
    return { code, verifier, challenge };
  };
  const redeem = (clientId: string, code: string, verifier?: string) =>
    send(`${server.url}/oauth2/token`, {
      form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...(verifier !== undefined ? { code_verifier: verifier } : {}), ...(clientId === 'spa' ? { client_id: 'spa' } : {}) },
      ...(clientId === 'web' ? { basic: ['web', SECRET] as [string, string] } : {}),
    });
  const expectInvalidGrant = (res: Awaited<ReturnType<typeof send>>) => {
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toBe('invalid_grant');
  };

  it('the S256 challenge seen in the front channel is not a verifier', async () => {
    for (const clientId of ['web', 'spa']) {
      const { code, challenge } = await codeFor(clientId);
      // 43 base64url characters: it has the verifier's shape, so only the hash comparison can refuse it.
      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expectInvalidGrant(await redeem(clientId, code, challenge));
    }
  });

  it('refuses verifiers outside RFC 7636\'s shape, even ones whose hash would match', async () => {
    for (const verifier of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)} `, `${'a'.repeat(42)}=`, `${'a'.repeat(42)}/`]) {
      const { code } = await codeFor('spa', verifier);
      expectInvalidGrant(await redeem('spa', code, verifier));
    }
  });

  it('a failed verification burns the code: the right verifier no longer works', async () => {
    const { code, verifier } = await codeFor('spa');
    expectInvalidGrant(await redeem('spa', code, pkcePair().verifier));
    expectInvalidGrant(await redeem('spa', code, verifier));
  });

  it('a lower-case or empty method, or an empty challenge, is no PKCE: refused at /authorize', async () => {
    const { challenge } = pkcePair();
    for (const extra of <Record<string, string>[]>[
      { code_challenge: challenge, code_challenge_method: 's256' },
      { code_challenge: challenge, code_challenge_method: 'SHA256' },
      { code_challenge: challenge, code_challenge_method: '' },
      { code_challenge: '', code_challenge_method: 'S256' },
      { code_challenge: '' },
    ]) {
      const query = new URLSearchParams({ response_type: 'code', client_id: 'spa', redirect_uri: REDIRECT, ...extra });
      const res = await send(`${server.url}/oauth2/authorize?${query}`);
      expect(res.status, JSON.stringify(extra)).toBe(302);
      const location = new URL(String(res.headers.location));
      expect(location.searchParams.get('error'), JSON.stringify(extra)).toBe('invalid_request');
      expect(location.searchParams.has('code')).toBe(false);
    }
  });
});
