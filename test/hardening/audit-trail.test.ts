/**
 * The audit trail of authentication, end to end: every client authentication success and failure
 * — by secret, by certificate over TLS and from a trusted proxy's header, unknown clients, wrong
 * certificates — and every user sign-in reaches an EventListener bundle and the structured log with
 * the client id, the method, the certificate thumbprint, the reason and the source address; the
 * operator-only reason never reaches the caller. /metrics counts requests, latencies and failures by
 * reason (labels free of ids and thumbprints), and /health reports the store.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import type { TesseraEvent } from '../../core/api/extension-points.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { CookieJar, REDIRECT_URI, pkcePair, startAuthorization, submitLogin } from '../oauth/oauth-helpers.ts';
import { makeDropins } from '../support/fixture-bundles.ts';
import { closeClients } from '../support/https-client.ts';
import { createSelfSigned, thumbprintOf, type Issued } from '../support/pki.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, send } from './kit.ts';

const SECRET = 'audit-secret-0123456789abcdefghijk';
const HEADER = 'x-client-cert';

/** An audit bundle: keeps every event it is given, as a real one would ship them to a SIEM. */
const auditDropins = makeDropins([
  {
    name: 'audit-sink',
    components: [{ kind: 'EventListener', name: 'fx.AuditSink', order: 10 }],
    source: `
export function activate(ctx) {
  ctx.provide('EventListener', 'fx.AuditSink', () => ({
    onEvent(event) { (globalThis.__tesseraAudit ??= []).push(structuredClone(event)); },
  }));
}`,
  },
]);

const delivered = () => ((globalThis as { __tesseraAudit?: TesseraEvent[] }).__tesseraAudit ??= []);

describe('audit trail of authentication', () => {
  let registered: Issued;
  let stranger: Issued;
  let server: TestServer;

  beforeAll(async () => {
    registered = await createSelfSigned({ subject: 'CN=audited' });
    stranger = await createSelfSigned({ subject: 'CN=stranger' });
    // The real mTLS bundle next to the fixture: one dropins folder holding both.
    cpSync(join(PROJECT_ROOT, 'dropins', 'mutual-tls-client-authenticator'), join(auditDropins, 'mutual-tls-client-authenticator'), { recursive: true });
    server = await startTestServer({
      dropinsDir: auditDropins,
      mount: adminRoutes,
      toml: `
[[event_listener]]
name = "fx.AuditSink"

[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[oauth.mutualtls]
client_certificate_header = "${HEADER}"

[logging]
level = "info"
`,
    });
    await server.createClient({ clientId: 'secret-app', secret: SECRET });
    await server.createClient({ clientId: 'cert-app', tokenEndpointAuthMethod: 'self_signed_tls_client_auth', certificates: [registered.certPem] });
    await server.runtime.users.create(DEFAULT_SERVER, { username: 'audrey', password: 'audrey-Passw0rd-audit' });
  });
  afterAll(async () => {
    await closeAgents();
    await closeClients();
    await server.dispose();
  });

  /** The event the listener got for this client and outcome, waited for (delivery is asynchronous). */
  async function eventFor(type: TesseraEvent['type'], match: (e: TesseraEvent) => boolean): Promise<TesseraEvent> {
    await server.runtime.events.idle();
    const found = delivered().filter((e) => e.type === type && match(e)).at(-1);
    if (!found) throw new Error(`no ${type} event delivered`);
    return found;
  }
  /** The same event as the structured log line carries it. */
  function logged(type: string, match: (a: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    return server.logs
      .map((l) => JSON.parse(l) as { audit?: Record<string, unknown> })
      .flatMap((l) => (l.audit ? [l.audit] : []))
      .filter((a) => a.type === type && match(a))
      .at(-1);
  }
  const token = (options: Parameters<typeof send>[1]) => send(`${server.url}/oauth2/token`, { ...options, form: { grant_type: 'client_credentials', ...options?.form } });

  it.each([
    ['a secret', () => token({ basic: ['secret-app', SECRET] }), 'secret-app', 'client_secret_basic', null],
    ['a certificate over TLS', () => token({ form: { client_id: 'cert-app' }, cert: registered.certPem, key: registered.keyPem }), 'cert-app', 'self_signed_tls_client_auth', 'registered'],
    ['a certificate forwarded by a trusted proxy', () => token({ form: { client_id: 'cert-app' }, headers: { [HEADER]: encodeURIComponent(registered.certPem) } }), 'cert-app', 'self_signed_tls_client_auth', 'registered'],
  ] as const)('success by %s: client, method, thumbprint, source address', async (_how, request, clientId, method, cert) => {
    const started = Date.now();
    const res = await request();
    expect(res.status, res.text).toBe(200);
    const event = await eventFor('client.authentication.succeeded', (e) => e.clientId === clientId && e.at >= started);
    expect(event).toMatchObject({ clientId, method, remoteAddress: '127.0.0.1', tenantId: 'default', serverId: 'default' });
    if (cert) expect(event.certificateThumbprint).toBe(thumbprintOf(registered.der));
    expect(logged('client.authentication.succeeded', (a) => a.clientId === clientId && (a.at as number) >= started)).toMatchObject({ clientId, method, remoteAddress: '127.0.0.1' });
  });

  it('behind a trusted proxy the source address is the client\'s from X-Forwarded-For, for sign-ins of clients and admin changes alike', async () => {
    // 127.0.0.1 is a trusted proxy by default; the client wrote 198.51.100.9 itself, the proxy saw 203.0.113.7.
    const headers = { 'x-forwarded-for': '198.51.100.9, 203.0.113.7' };
    const started = Date.now();
    expect((await token({ basic: ['secret-app', SECRET], headers })).status).toBe(200);
    const event = await eventFor('client.authentication.succeeded', (e) => e.clientId === 'secret-app' && e.at >= started && e.remoteAddress !== '127.0.0.1');
    expect(event.remoteAddress).toBe('203.0.113.7');
    expect(logged('client.authentication.succeeded', (a) => a.clientId === 'secret-app' && a.remoteAddress === '203.0.113.7')).toBeDefined();

    const created = await send(`${server.url}/api/admin/default/users`, {
      method: 'POST',
      basic: ['admin', 'admin'],
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'forwarded-audit', password: 'forwarded-Passw0rd-audit' }),
    });
    expect(created.status, created.text).toBe(201);
    const change = await eventFor('admin.changed', (e) => e.username === 'admin' && e.details?.username === 'forwarded-audit');
    expect(change).toMatchObject({ remoteAddress: '203.0.113.7', details: { resource: 'user', action: 'created' } });
  });

  it('a failed Basic login at the admin API is a failed sign-in on the record, with the source address', async () => {
    const started = Date.now();
    const res = await send(`${server.url}/api/admin/default/clients`, { basic: ['admin', 'not-the-password'], headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(res.status).toBe(401);
    const event = await eventFor('user.login.failed', (e) => e.username === 'admin' && e.at >= started);
    expect(event).toMatchObject({ tenantId: 'default', serverId: 'default', remoteAddress: '203.0.113.9', details: { via: 'admin_api' } });
    expect(logged('user.login.failed', (a) => a.username === 'admin' && (a.at as number) >= started)).toMatchObject({ remoteAddress: '203.0.113.9' });
  });

  it.each([
    ['a wrong secret', () => token({ basic: ['secret-app', 'wrong-secret-0123456789abcdefgh'] }), 'secret-app', 'client_secret_basic', 'wrong client secret', null],
    ['an unknown client', () => token({ basic: ['nobody', SECRET] }), 'nobody', undefined, 'unknown client_id', null],
    ['a certificate that is not the registered one', () => token({ form: { client_id: 'cert-app' }, cert: stranger.certPem, key: stranger.keyPem }), 'cert-app', 'self_signed_tls_client_auth', 'unknown certificate', 'stranger'],
    ['no certificate at all', () => token({ form: { client_id: 'cert-app' } }), 'cert-app', 'self_signed_tls_client_auth', 'no certificate presented', null],
    ['a malformed forwarded certificate', () => token({ form: { client_id: 'cert-app' }, headers: { [HEADER]: 'not-a-certificate' } }), 'cert-app', 'self_signed_tls_client_auth', 'certificate header: invalid base64', null],
  ] as const)('failure by %s: client, method, thumbprint, reason, source address — the reason only for the operator', async (_how, request, clientId, method, reason, cert) => {
    const started = Date.now();
    const res = await request();
    expect(res.status).toBe(401);
    expect(res.text).not.toContain(reason);
    const event = await eventFor('client.authentication.failed', (e) => e.clientId === clientId && e.at >= started && e.reason === reason);
    expect(event).toMatchObject({ clientId, reason, remoteAddress: '127.0.0.1' });
    expect(event.method).toBe(method);
    if (cert) expect(event.certificateThumbprint).toBe(thumbprintOf(stranger.der));
    else expect(event.certificateThumbprint).toBeUndefined();
    expect(logged('client.authentication.failed', (a) => a.clientId === clientId && a.reason === reason)).toMatchObject({ clientId, reason, remoteAddress: '127.0.0.1' });
  });

  it('user sign-ins, by password grant and on the sign-in page, succeed and fail on the record', async () => {
    const started = Date.now();
    await send(`${server.url}/oauth2/token`, { form: { grant_type: 'password', username: 'audrey', password: 'nope-nope-nope' }, basic: ['secret-app', SECRET] });
    expect((await send(`${server.url}/oauth2/token`, { form: { grant_type: 'password', username: 'audrey', password: 'audrey-Passw0rd-audit' }, basic: ['secret-app', SECRET] })).status).toBe(200);
    const jar = new CookieJar();
    const { challenge } = pkcePair();
    const page = await startAuthorization(server, jar, { client_id: 'secret-app', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' });
    await submitLogin(server, jar, page, 'audrey', 'wrong-on-the-page');
    for (const type of ['user.login.failed', 'user.login.succeeded'] as const) {
      const event = await eventFor(type, (e) => e.username === 'audrey' && e.at >= started);
      expect(event).toMatchObject({ username: 'audrey', clientId: 'secret-app', remoteAddress: '127.0.0.1' });
    }
    const failures = delivered().filter((e) => e.type === 'user.login.failed' && e.username === 'audrey' && e.at >= started);
    expect(failures).toHaveLength(2);
    expect(failures.every((e) => e.reason === 'wrong_password')).toBe(true);
  });

  it('the listener and the log saw the same authentication events, in order', async () => {
    await server.runtime.events.idle();
    const fromLog = server.logs
      .map((l) => JSON.parse(l) as { audit?: TesseraEvent })
      .flatMap((l) => (l.audit && l.audit.type.startsWith('client.authentication.') ? [`${l.audit.type} ${l.audit.clientId} ${l.audit.at}`] : []));
    const fromListener = delivered().filter((e) => e.type.startsWith('client.authentication.')).map((e) => `${e.type} ${e.clientId} ${e.at}`);
    expect(fromListener).toEqual(fromLog);
  });

  it('/metrics: requests by route and status, latency histograms, failures by method and reason — no ids in labels', async () => {
    const scraped = await send(`${server.url}/metrics`, { basic: ['admin', 'admin'] });
    expect(scraped.status).toBe(200);
    const metrics = scraped.text;
    expect(metrics).toMatch(/tessera_http_requests_total\{method="POST",route="\/oauth2\/token",status="200"\} \d+/);
    expect(metrics).toMatch(/tessera_http_requests_total\{method="POST",route="\/oauth2\/token",status="401"\} \d+/);
    expect(metrics).toMatch(/tessera_http_request_duration_seconds_bucket\{le="0\.1",method="POST",route="\/oauth2\/token"\} \d+/);
    expect(metrics).toMatch(/tessera_http_request_duration_seconds_count\{method="POST",route="\/oauth2\/token"\} \d+/);
    for (const [method, reason] of [['client_secret_basic', 'wrong_client_secret'], ['unknown', 'unknown_client_id'], ['self_signed_tls_client_auth', 'unknown_certificate'], ['self_signed_tls_client_auth', 'no_certificate_presented']]) {
      expect(metrics).toMatch(new RegExp(`tessera_client_auth_failures_total\\{method="${method}",reason="${reason}"\\} \\d+`));
    }
    expect(metrics).toMatch(/tessera_events_total\{type="user.login.failed"\} \d+/);
    for (const id of ['secret-app', 'cert-app', 'nobody', 'audrey', thumbprintOf(registered.der), thumbprintOf(stranger.der)]) expect(metrics).not.toContain(id);
  });

  it('/health reports the store', async () => {
    const health = await send(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok', store: { kind: 'sqlite', status: 'up' } });
  });
});
