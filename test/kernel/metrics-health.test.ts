import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../support/https-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('/metrics and /health', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.createClient({ clientId: 'app', secret: 'metrics-secret-0123456789abcdef' });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('counts requests by route pattern and client-auth failures by reason', async () => {
    await call(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', 'metrics-secret-0123456789abcdef'] });
    await call(`${server.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', 'wrong-secret-0123456789abcdef'] });
    const metrics = await call(`${server.url}/metrics`, { basic: ['admin', 'admin'] });
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(/tessera_http_requests_total\{method="POST",route="\/oauth2\/token",status="200"\} 1/);
    expect(metrics.text).toMatch(/tessera_http_requests_total\{method="POST",route="\/oauth2\/token",status="401"\} 1/);
    expect(metrics.text).toMatch(/tessera_client_auth_failures_total\{method="client_secret_basic",reason="wrong_client_secret"\} 1/);
    expect(metrics.text).toMatch(/tessera_http_request_duration_seconds_bucket/);
    expect(metrics.text).not.toContain('metrics-secret');
  });

  it('reports the store in /health', async () => {
    const health = await call(`${server.url}/health`);
    expect(health.json).toEqual({ status: 'ok', store: { kind: 'sqlite', status: 'up' } });
  });
});
