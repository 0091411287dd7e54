/**
 * Security review #15 item 7: /metrics (request counts per route and status) was open to anyone on
 * the public listener. Now it takes the super admin (Basic) or a Bearer token with the `metrics`
 * scope there, and `[observability] metrics_listener` serves it without credentials on a separate
 * listener, loopback unless a host is given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsListenerAddress } from '../../core/observability/metrics-listener.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, send } from './kit.ts';

const SECRET = 'metrics-scraper-secret-0123456789';

describe('/metrics access', () => {
  let server: TestServer;
  const token = async (clientId: string, scope: string) => {
    const res = await send(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials', scope }, basic: [clientId, SECRET] });
    expect(res.status, res.text).toBe(200);
    return res.json.access_token as string;
  };
  beforeAll(async () => {
    server = await startTestServer({ toml: '[observability]\nmetrics_listener = "0"\n' });
    await server.createClient({ clientId: 'scraper', secret: SECRET, grantTypes: ['client_credentials'], scopes: ['metrics'] });
    await server.createClient({ clientId: 'plain', secret: SECRET, grantTypes: ['client_credentials'], scopes: ['read'] });
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  it('refuses anonymous and wrong credentials on the public listener with 401 and a challenge', async () => {
    const anonymous = await send(`${server.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(String(anonymous.headers['www-authenticate'])).toMatch(/^Basic realm="tessera-metrics", Bearer/);
    expect(anonymous.text).not.toContain('tessera_http_requests_total');
    const wrong = await send(`${server.url}/metrics`, { basic: ['admin', 'not-the-password'] });
    expect(wrong.status).toBe(401);
    expect((await send(`${server.url}/metrics`, { bearer: 'made-up-token' })).status).toBe(401);
  });

  it('refuses a token without the metrics scope with 403 insufficient_scope', async () => {
    const res = await send(`${server.url}/metrics`, { bearer: await token('plain', 'read') });
    expect(res.status).toBe(403);
    expect(res.json.error).toBe('insufficient_scope');
  });

  it('serves the super admin and a metrics-scoped token', async () => {
    const admin = await send(`${server.url}/metrics`, { basic: ['admin', 'admin'] });
    expect(admin.status).toBe(200);
    expect(admin.text).toContain('tessera_http_requests_total');
    const scraper = await send(`${server.url}/metrics`, { bearer: await token('scraper', 'metrics') });
    expect(scraper.status).toBe(200);
    expect(scraper.text).toContain('tessera_http_requests_total');
  });

  it('serves /metrics and nothing else without credentials on metrics_listener, bound to loopback', async () => {
    const base = server.running.url('metrics');
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await send(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('tessera_http_requests_total');
    expect((await send(`${base}/oauth2/jwks`)).status).toBe(404);
    expect(metricsListenerAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(metricsListenerAddress('10.0.0.5:9464')).toEqual({ host: '10.0.0.5', port: 9464 });
    expect(metricsListenerAddress('')).toBeNull();
  });
});
