/**
 * The core's invariants (core/oauth/invariants) hold whatever a grant handler chain or an
 * introspection interceptor does:
 * hostile bundles stacked with the first-party mTLS binding handlers, over real mutual TLS. Every
 * refusal is `server_error` (or the core's own `invalid_grant` for a missing proof), logged with the
 * invariant and the chain's members, and leaves no usable token behind.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { SECRET, clientCertificate, expectBound, thumbprintOf, tokenCall } from '../../plugins/mtls-token-binding/test/support/fixtures.ts';
import { makeDropins, type FixtureBundle } from '../support/fixture-bundles.ts';
import { call, closeClients, type CallResult } from '../support/https-client.ts';
import type { Issued } from '../support/pki.ts';
import { liveAccessTokens } from '../support/stored-tokens.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** One hostile GrantHandler per behaviour, for client_credentials (and refresh_token for the proof). */
const HOSTILE: Record<string, { grantType?: string; order: number; handle: string }> = {
  // Inside the binding handler (higher order): drops the cnf it set.
  'fx.Strip': { order: 500, handle: `grant.confirmation = null; return next.handle(grant);` },
  // Hands the core a doctored client that does not ask for binding.
  'fx.CloneClient': { order: 500, handle: `return next.handle({ ...grant, confirmation: null, client: { ...grant.client, tlsClientCertificateBoundAccessTokens: false } });` },
  // Binds to a certificate that was not presented.
  'fx.OtherCertificate': { order: 500, handle: `grant.confirmation = { 'x5t#S256': 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }; return next.handle(grant);` },
  // Widens the scopes beyond the client's registration.
  'fx.WidenScope': { order: 500, handle: `return next.handle({ ...grant, params: { ...grant.params, scope: 'read admin' }, client: { ...grant.client, scopes: ['read', 'admin'] } });` },
  // Issues the token to another client.
  'fx.SwapClient': { order: 500, handle: `const other = await services.clients.find(grant, 'victim'); return next.handle({ ...grant, client: other });` },
  // Rewrites the response after the core issued.
  'fx.ForgeResponse': { order: 50, handle: `const r = await next.handle(grant); return { ...r, access_token: 'forged-' + r.access_token };` },
  'fx.LongerLife': { order: 50, handle: `const r = await next.handle(grant); return { ...r, expires_in: r.expires_in * 100 };` },
  // Calls the core twice: the unbound second set must not be issued, the first is withdrawn.
  'fx.Twice': { order: 500, handle: `await next.handle(grant); grant.confirmation = null; return next.handle(grant);` },
  // Claims to have verified a bound refresh token's certificate without looking.
  'fx.ClaimProof': { grantType: 'refresh_token', order: 50, handle: `grant.verifiedConfirmations.add('x5t#S256'); grant.confirmation = { 'x5t#S256': properties.thumbprint }; return next.handle(grant);` },
};

/** IntrospectionInterceptors that loosen what the core said about an active token. */
const LOOSENING: Record<string, string> = {
  'fx.DropCnf': `const { cnf, ...rest } = response; return rest;`,
  'fx.WidenIntrospectedScope': `return { ...response, scope: response.scope + ' admin' };`,
  'fx.ExtendExp': `return { ...response, exp: response.exp + 86400 };`,
  // Allowed: adding a member and narrowing.
  'fx.Narrow': `return { ...response, scope: '', exp: response.exp - 1, acme: 'added' };`,
};

const hostileBundle: FixtureBundle = {
  name: 'hostile',
  components: [
    ...Object.entries(HOSTILE).map(([name, h]) => ({ kind: 'GrantHandler', name, grantType: h.grantType ?? 'client_credentials', order: h.order })),
    ...Object.keys(LOOSENING).map((name) => ({ kind: 'IntrospectionInterceptor', name })),
  ],
  source: `
export function activate(ctx) {
  const services = ctx.services;
  ${Object.entries(LOOSENING)
    .map(([name, body]) => `ctx.provide('IntrospectionInterceptor', '${name}', () => ({ intercept(response) { ${body} } }));`)
    .join('\n  ')}
  ${Object.entries(HOSTILE)
    .map(([name, h]) => `ctx.provide('GrantHandler', '${name}', ({ next, properties }) => ({ async handle(grant) { ${h.handle} } }));`)
    .join('\n  ')}
}`,
};

const BINDING = '[oauth.grant_type.client_credentials]\ngrant_handler = "tessera.mtls.binding.ClientCredentialsGrantHandler"\n';
const enable = (name: string) => `[[event_listener]]\nname = "${name}"\n`;

let dropins: string;
let cert: Issued;
let server: TestServer | undefined;

beforeAll(async () => {
  dropins = makeDropins([hostileBundle]);
  for (const bundle of ['mtls-token-binding', 'mtls-introspection']) cpSync(join(PROJECT_ROOT, 'dropins', bundle), join(dropins, bundle), { recursive: true });
  cert = await clientCertificate('bound-client');
});
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});
afterAll(closeClients);

async function serve(toml: string): Promise<TestServer> {
  server = await startTestServer({ dropinsDir: dropins, toml });
  await server.createClient({ clientId: 'bound', secret: SECRET, tlsClientCertificateBoundAccessTokens: true, scopes: ['read'] });
  await server.createClient({ clientId: 'victim', secret: SECRET });
  return server;
}

function expectRefused(s: TestServer, response: CallResult, invariant: string, chain: string[]): void {
  expect(response.status, response.text).toBe(500);
  expect(response.json).toEqual({ error: 'server_error', error_description: 'the token could not be issued' });
  const line = s.logs.find((l) => l.includes(`core invariant ${invariant}`));
  expect(line, s.logs.slice(-5).join('\n')).toBeDefined();
  expect(line).toContain(chain.join(' -> '));
}

const boundCall = (s: TestServer, form: Record<string, string> = {}) => tokenCall(s, { grant_type: 'client_credentials', ...form }, { cert, basic: ['bound', SECRET] });

describe('certificate binding holds whatever the chain does', () => {
  it('the control: the binding handler alone binds to the presented certificate', async () => {
    const s = await serve(BINDING);
    await expectBound(s, 'jwt', await boundCall(s), cert);
  });

  for (const name of ['fx.Strip', 'fx.CloneClient', 'fx.OtherCertificate']) {
    it(`${name}: no unbound (or wrongly bound) token; server_error naming the chain; no token row`, async () => {
      const s = await serve(`${BINDING}\n${enable(name)}`);
      expectRefused(s, await boundCall(s), 'certificate-binding', ['tessera.mtls.binding.ClientCredentialsGrantHandler', name, 'tessera.core.ClientCredentialsGrantHandler']);
      expect(liveAccessTokens(s)).toBe(0);
    });
  }

  it('fx.Twice: the unbound second issuance is refused, and the bound first one is withdrawn', async () => {
    const s = await serve(`${BINDING}\n${enable('fx.Twice')}`);
    expectRefused(s, await boundCall(s), 'certificate-binding', ['fx.Twice']);
    expect(liveAccessTokens(s)).toBe(0);
  });
});

describe('other properties a bundle cannot weaken', () => {
  it('scopes beyond the registration', async () => {
    const s = await serve(`${BINDING}\n${enable('fx.WidenScope')}`);
    expectRefused(s, await boundCall(s, { scope: 'read' }), 'scope-bounds', ['fx.WidenScope']);
    expect(liveAccessTokens(s)).toBe(0);
  });

  it('a token for another client', async () => {
    const s = await serve(enable('fx.SwapClient'));
    const response = await tokenCall(s, { grant_type: 'client_credentials' }, { basic: ['bound', SECRET], cert });
    expect(response.status).toBe(500);
    expect(s.logs.some((l) => l.includes('core invariant') && l.includes('fx.SwapClient'))).toBe(true);
    expect(liveAccessTokens(s)).toBe(0);
  });

  it('a response that carries a token the core did not issue, or a longer expires_in; the issued token is revoked', async () => {
    for (const name of ['fx.ForgeResponse', 'fx.LongerLife']) {
      const s = await serve(`${BINDING}\n${enable(name)}`);
      expectRefused(s, await boundCall(s), 'response-integrity', [name, 'tessera.mtls.binding.ClientCredentialsGrantHandler']);
      expect(liveAccessTokens(s)).toBe(0);
      await s.dispose();
      server = undefined;
    }
  });

  it('a bound refresh token is refreshed only with the proof the core checks itself, whatever the chain claims', async () => {
    const thumbprint = thumbprintOf(cert.der);
    const s = await serve(`[[event_listener]]\nname = "fx.ClaimProof"\nproperties = { thumbprint = "${thumbprint}" }\n`);
    const client = await s.createClient({ clientId: 'public-app', tokenEndpointAuthMethod: 'none' });
    const refresh = await s.runtime.tokens.issueRefreshToken({
      server: DEFAULT_SERVER, client, subject: null, username: null, scopes: ['default'], familyId: 'fam-1', grantId: 'fam-1', authTime: null,
      confirmation: { 'x5t#S256': thumbprint },
    });
    const form = { grant_type: 'refresh_token', refresh_token: refresh.token, client_id: 'public-app' };
    const without = await tokenCall(s, form);
    expect(without.status, without.text).toBe(400);
    expect(without.json.error).toBe('invalid_grant');
    expect(s.logs.some((l) => l.includes('no proof in this request of cnf x5t#S256'))).toBe(true);
    const other = await clientCertificate('someone-else');
    expect((await tokenCall(s, form, { cert: other })).json.error).toBe('invalid_grant');
    // Not used up by the refusals: its holder, presenting the certificate, still refreshes it.
    const withProof = await tokenCall(s, form, { cert });
    expect(withProof.status, withProof.text).toBe(200);
  });
});

describe('introspection interceptors may add and narrow, never loosen', () => {
  const introspection = (name: string) =>
    `${BINDING}\n[[event_listener]]\nname = "tessera.mtls.introspection.CertificateBindingDataProvider"\n\n[[event_listener]]\nname = "${name}"\n`;

  async function introspected(s: TestServer) {
    const token = await boundCall(s);
    expect(token.status, token.text).toBe(200);
    return call(`${s.url}/oauth2/introspect`, { form: { token: token.json.access_token }, basic: ['admin', 'admin'] });
  }

  for (const name of ['fx.DropCnf', 'fx.WidenIntrospectedScope', 'fx.ExtendExp']) {
    it(`${name}: server_error, logged with the interceptors`, async () => {
      const s = await serve(introspection(name));
      const response = await introspected(s);
      expect(response.status, response.text).toBe(500);
      expect(response.json.error).toBe('server_error');
      expect(s.logs.some((l) => l.includes('core invariant introspection-response') && l.includes(name))).toBe(true);
    });
  }

  it('fx.Narrow: adding a member and narrowing pass', async () => {
    const s = await serve(introspection('fx.Narrow'));
    const response = await introspected(s);
    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ active: true, scope: '', acme: 'added', cnf: { 'x5t#S256': thumbprintOf(cert.der) } });
  });
});
