/**
 * Replays revoke what they touch, all of it, for JWT and opaque access tokens alike: a reused code
 * revokes not only the first tokens but everything refreshed from them since; a reused refresh token
 * deep in a rotation chain revokes the whole family, the newest refresh token and every access token
 * included; revoking (RFC 7009) a rotated-out refresh token ends the family as well.
 * (authorize-errors.test.ts and refresh-token.test.ts cover the first-generation cases.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { authorizeAndApprove, pkcePair } from '../oauth/oauth-helpers.ts';
import { closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, send } from './kit.ts';

const REDIRECT = 'https://client.example.com/callback';
const SECRET = 'replay-secret-0123456789abcdefghij';
const USER = { username: 'remy', password: 'remy-Passw0rd-replay' };
const RS_SECRET = 'replay-rs-secret-0123456789abcdefg';

describe.each(['jwt', 'opaque'] as const)('replay with %s access tokens', (format) => {
  let server: TestServer;
  const clientId = `app-${format}`;
  const basic: [string, string] = [clientId, SECRET];

  beforeAll(async () => {
    server = await startTestServer({ toml: '[logging]\nlevel = "info"\n' });
    await server.createClient({ clientId, secret: SECRET, accessTokenFormat: format });
    await server.createClient({ clientId: 'rs', secret: RS_SECRET, grantTypes: ['client_credentials'] });
    await server.runtime.users.create(DEFAULT_SERVER, USER);
  });
  afterAll(async () => {
    await closeAgents();
    await closeClients();
    await server.dispose();
  });

  const active = async (token: string) => (await send(`${server.url}/oauth2/introspect`, { form: { token }, basic: ['rs', RS_SECRET] })).json.active === true;
  const refresh = (refreshToken: string) => send(`${server.url}/oauth2/token`, { form: { grant_type: 'refresh_token', refresh_token: refreshToken }, basic });
  const codeTokens = async () => {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeAndApprove(server, { client_id: clientId, redirect_uri: REDIRECT, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }, USER);
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier };
    const res = await send(`${server.url}/oauth2/token`, { form, basic });
    expect(res.status, res.text).toBe(200);
    return { form, tokens: res.json as { access_token: string; refresh_token: string } };
  };

  it('a reused code revokes the tokens it issued and every token refreshed from them since', async () => {
    const { form, tokens } = await codeTokens();
    const second = (await refresh(tokens.refresh_token)).json;
    const third = (await refresh(second.refresh_token)).json;
    for (const t of [second.access_token, third.access_token]) expect(await active(t)).toBe(true);

    const replay = await send(`${server.url}/oauth2/token`, { form, basic });
    expect(replay.json.error).toBe('invalid_grant');
    for (const t of [tokens.access_token, second.access_token, third.access_token]) expect(await active(t)).toBe(false);
    expect((await refresh(third.refresh_token)).json.error).toBe('invalid_grant');
    expect(server.logs.some((l) => l.includes('token.reuse_detected') && l.includes('authorization code reused'))).toBe(true);
  });

  it('a refresh token reused deep in a rotation chain revokes the whole family', async () => {
    const { tokens } = await codeTokens();
    const chain = [tokens];
    for (let i = 0; i < 3; i++) {
      const next = await refresh(chain[chain.length - 1].refresh_token);
      expect(next.status, next.text).toBe(200);
      chain.push(next.json);
    }
    // The thief replays the second refresh token: the legitimate holder's newest one dies with it.
    const reuse = await refresh(chain[1].refresh_token);
    expect(reuse.json.error).toBe('invalid_grant');
    for (const t of chain) expect(await active(t.access_token)).toBe(false);
    expect((await refresh(chain[chain.length - 1].refresh_token)).json.error).toBe('invalid_grant');
  });

  it('revoking a rotated-out refresh token ends the family, newest tokens included', async () => {
    const { tokens } = await codeTokens();
    const next = (await refresh(tokens.refresh_token)).json;
    const revoked = await send(`${server.url}/oauth2/revoke`, { form: { token: tokens.refresh_token, token_type_hint: 'refresh_token' }, basic });
    expect(revoked.status).toBe(200);
    expect(await active(next.access_token)).toBe(false);
    expect((await refresh(next.refresh_token)).json.error).toBe('invalid_grant');
  });

  it('another client presenting a stolen refresh token gets nothing and spends nothing', async () => {
    await server.runtime.store.clients.create({ ...(await server.runtime.store.clients.get(DEFAULT_SERVER, clientId))!, clientId: `${clientId}-thief` });
    const { tokens } = await codeTokens();
    const stolen = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, basic: [`${clientId}-thief`, SECRET] });
    expect(stolen.json.error).toBe('invalid_grant');
    expect(await active(tokens.access_token)).toBe(true);
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
  });
});
