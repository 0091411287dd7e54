/**
 * `[limits] max_body_bytes` and `max_header_bytes` on every listener (main HTTPS, the mTLS endpoint
 * alias, plain HTTP): a body over the limit is 413 invalid_request in RFC 6749 JSON whether it
 * declares a Content-Length or arrives chunked, a body at the limit is read, a header section over
 * the limit is 431 from the HTTP layer — and the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, expectHealthy, expectJsonRefusal, rawRequest, send } from './kit.ts';
import { freePort } from './tessera-process.ts';

const MAX_BODY = 4096;
const MAX_HEADER = 8192;
const SECRET = 'limits-size-secret-0123456789abcd';

describe('request size limits', () => {
  let server: TestServer;
  let listeners: Record<'https' | 'mtls' | 'http', string>;

  beforeAll(async () => {
    server = await startTestServer({
      mount: adminRoutes,
      toml: `
[limits]
max_body_bytes = ${MAX_BODY}
max_header_bytes = ${MAX_HEADER}

[transport.http]
enabled = true
port = 0

[oauth.mutualtls]
endpoint_alias_port = ${await freePort()}

[logging]
level = "info"
`,
    });
    await server.createClient({ clientId: 'app', secret: SECRET });
    listeners = { https: server.url, mtls: server.listenerUrl('mtls'), http: server.listenerUrl('http') };
    expect(listeners.mtls).toMatch(/^https:/);
    expect(listeners.http).toMatch(/^http:/);
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  /** A form body of exactly `size` bytes that is a valid client_credentials request. */
  const formOf = (size: number) => {
    const base = 'grant_type=client_credentials&pad=';
    return base + 'x'.repeat(size - base.length);
  };

  it.each(['https', 'mtls', 'http'] as const)('%s: a body over max_body_bytes is 413 invalid_request, one at the limit is read', async (name) => {
    const url = listeners[name];
    for (const path of ['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke', '/oauth2/authorize/login', '/oauth2/authorize/consent']) {
      const res = await send(`${url}${path}`, { method: 'POST', body: formOf(MAX_BODY + 1), headers: { 'content-type': 'application/x-www-form-urlencoded' }, basic: ['app', SECRET] });
      expectJsonRefusal(res, [413]);
      expect(res.json.error).toBe('invalid_request');
    }
    const admin = await send(`${url}/api/admin/default/clients`, { method: 'POST', body: JSON.stringify({ client_name: 'x'.repeat(MAX_BODY) }), headers: { 'content-type': 'application/json' }, basic: ['admin', 'admin'] });
    expectJsonRefusal(admin, [413]);
    const atLimit = await send(`${url}/oauth2/token`, { method: 'POST', body: formOf(MAX_BODY), headers: { 'content-type': 'application/x-www-form-urlencoded' }, basic: ['app', SECRET] });
    expect(atLimit.status, atLimit.text).toBe(200);
  });

  it.each(['https', 'http'] as const)('%s: a chunked body (no Content-Length) over the limit is 413 too', async (name) => {
    const url = listeners[name];
    const host = new URL(url).host;
    const chunk = 'x'.repeat(1000);
    const body = `${Array.from({ length: 8 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('')}0\r\n\r\n`;
    const head = `POST /oauth2/token HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n`;
    const res = await rawRequest(url, head, body);
    expect(res.status, res.text.slice(0, 300)).toBe(413);
    expect(res.text).toContain('"error":"invalid_request"');
    // And a small chunked body is read normally.
    const small = `${['grant_type=client_credential', 's'].map((part) => `${part.length.toString(16)}\r\n${part}\r\n`).join('')}0\r\n\r\n`;
    const ok = await rawRequest(url, `${head}Authorization: Basic ${Buffer.from(`app:${SECRET}`).toString('base64')}\r\n`, small);
    expect(ok.status, ok.text.slice(0, 300)).toBe(200);
  });

  it.each(['https', 'mtls', 'http'] as const)('%s: a header section over max_header_bytes is 431', async (name) => {
    const url = listeners[name];
    const res = await send(`${url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET], headers: { 'x-padding': 'p'.repeat(MAX_HEADER + 100) } });
    expect(res.status).toBe(431);
    const many = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`x-h${i}`, 'v'.repeat(30)]));
    expect((await send(`${url}/health`, { headers: many })).status).toBe(431);
  });

  it('keeps serving afterwards on every listener', async () => {
    for (const url of Object.values(listeners)) await expectHealthy(url);
    expect((await send(`${listeners.https}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET] })).status).toBe(200);
  });
});
