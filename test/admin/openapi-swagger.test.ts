import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { call } from '../support/https-client.ts';
import { adminServerForSuite, startAdminServer } from './admin-support.ts';

const RFC_8705_FIELDS = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
  'tls_client_certificate_bound_access_tokens',
];

describe('admin API: OpenAPI document and Swagger UI', () => {
  const server = adminServerForSuite();

  it('serves an OpenAPI 3.1 document listing the client, server and user paths', async () => {
    const res = await call(`${server.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = JSON.parse(res.text);
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.paths['/api/admin/{tid}/clients']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/admin/{tid}/clients/{client_id}']).sort()).toEqual(['delete', 'get', 'patch', 'put']);
    expect(doc.paths['/api/admin/{tid}/servers']).toBeDefined();
    expect(doc.paths['/api/admin/{tid}/servers/{aid}/keys/rotate'].post).toBeDefined();
    expect(doc.paths['/api/admin/{tid}/users']).toBeDefined();
  });

  it('describes client metadata with the RFC 7591 and RFC 8705 fields, from the schemas the handlers validate with', async () => {
    const doc = (await call(`${server.url}/api/openapi.json`)).json;
    const post = doc.paths['/api/admin/{tid}/clients'].post;
    expect(post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/ClientMetadata');
    const metadata = doc.components.schemas.ClientMetadata;
    for (const field of [...RFC_8705_FIELDS, 'client_id', 'client_secret', 'redirect_uris', 'grant_types', 'token_endpoint_auth_method', 'jwks', 'jwks_uri', 'certificate', 'scopes', 'scope', 'authorization_server_id']) {
      expect(metadata.properties, field).toHaveProperty(field);
    }
    // Unknown fields are refused, and the document says so.
    expect(metadata.additionalProperties).toBe(false);
    expect(JSON.stringify(metadata.properties.jwks)).toContain('null');
    expect(JSON.stringify(metadata.properties.token_endpoint_auth_method)).toContain('self_signed_tls_client_auth');
    const client = doc.components.schemas.Client;
    for (const field of RFC_8705_FIELDS) expect(client.properties, field).toHaveProperty(field);
    expect(client.properties).not.toHaveProperty('secretHash');
    expect(post.responses['201']).toBeDefined();
    expect(post.responses['400']).toBeDefined();
    expect(post.responses['409']).toBeDefined();
  });

  it('declares Basic and OAuth 2.0 client credentials at the default server\'s token endpoint', async () => {
    const doc = (await call(`${server.url}/api/openapi.json`)).json;
    expect(doc.components.securitySchemes.basicAuth).toMatchObject({ type: 'http', scheme: 'basic' });
    const oauth2 = doc.components.securitySchemes.oauth2;
    expect(oauth2.type).toBe('oauth2');
    // The origin the caller used, so Swagger UI's Authorize posts to its own origin.
    expect(oauth2.flows.clientCredentials.tokenUrl).toBe(`${server.url}/oauth2/token`);
    expect(oauth2.flows.clientCredentials.scopes).toHaveProperty('admin');
    expect(doc.security).toEqual([{ basicAuth: [] }, { oauth2: ['admin'] }]);
  });

  it('presets the tenant for a tenant\'s Swagger UI', async () => {
    const doc = (await call(`${server.url}/api/openapi.json?tid=acme`)).json;
    const tid = doc.paths['/api/admin/{tid}/clients'].post.parameters.find((p: { name: string }) => p.name === 'tid');
    expect(tid.schema.default).toBe('acme');
    expect(tid.example).toBe('acme');
    const plain = (await call(`${server.url}/api/openapi.json`)).json;
    expect(plain.paths['/api/admin/{tid}/clients'].post.parameters.find((p: { name: string }) => p.name === 'tid').schema.default).toBeUndefined();
    expect((await call(`${server.url}/api/openapi.json?tid=${encodeURIComponent('../x')}`)).status).toBe(404);
  });

  it('serves Swagger UI for a tenant from the local swagger-ui-dist files, with a CSP that allows it', async () => {
    const page = await call(`${server.url}/api/swagger/default`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('data-spec-url="/api/openapi.json?tid=default"');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp).toMatch(/connect-src 'self'/);
    expect(csp).toContain("frame-ancestors 'none'");
    // No CDN: every asset comes from this server.
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) expect(asset.startsWith('/api/')).toBe(true);
    // Nothing inline: the page's scripts are all files.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const expected: Record<string, RegExp> = { '.js': /^text\/javascript/, '.css': /^text\/css/, '.png': /^image\/png/ };
    for (const asset of assets) {
      const res = await call(`${server.url}${asset}`);
      expect(res.status, asset).toBe(200);
      const ext = asset.slice(asset.lastIndexOf('.'));
      expect(res.headers['content-type'], asset).toMatch(expected[ext]);
    }
    const bundle = await call(`${server.url}/api/swagger-ui/swagger-ui-bundle.js`);
    expect(bundle.text).toContain('SwaggerUIBundle');
    expect(bundle.text.length).toBeGreaterThan(100_000);
    const init = await call(`${server.url}/api/swagger-ui/tessera-swagger-init.js`);
    expect(init.text).toContain('data-spec-url');
    expect(() => new Script(init.text)).not.toThrow();
  });

  it('escapes the tenant, refuses unknown assets, and redirects /api/swagger to the default tenant', async () => {
    expect((await call(`${server.url}/api/swagger/${encodeURIComponent('<script>')}`)).status).toBe(404);
    expect((await call(`${server.url}/api/swagger-ui/package.json`)).status).toBe(404);
    expect((await call(`${server.url}/api/swagger-ui/..%2Fpackage.json`)).status).toBe(404);
    const redirect = await call(`${server.url}/api/swagger`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe('/api/swagger/default');
  });

  it('uses [server] public_url for the token URL when set, and lets the Swagger page reach it', async () => {
    const behindProxy = await startAdminServer({ toml: '[server]\npublic_url = "https://id.example.com"\n' });
    try {
      const doc = (await call(`${behindProxy.url}/api/openapi.json`)).json;
      expect(doc.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl).toBe('https://id.example.com/oauth2/token');
      const page = await call(`${behindProxy.url}/api/swagger/default`);
      expect(String(page.headers['content-security-policy'])).toContain("connect-src 'self' https://id.example.com");
    } finally {
      await behindProxy.dispose();
    }
  });
});
